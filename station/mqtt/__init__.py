"""The gym's MQTT broker: the station publishes its results, health and live state to it.

`topics` names the topics, `messages` writes and reads their payloads, `credentials` reads
the broker's password file, `connection` makes a configured paho client, `publisher` runs it
in its own thread beside the session log's outbox, `fleet` reads every station's retained
state for `station fleet`, `discovery` writes Home Assistant's discovery configs and `probe`
is the broker's row of `station check`.
"""
