"""Home Assistant MQTT discovery: the station's health and the day's counts as entities.

With `[mqtt] homeassistant = true` the station publishes, retained, one config per entity
under `<discovery_prefix>/<component>/<node>/<object>/config`: a `problem` binary sensor
for each part's health (on when the part is down) and sensors for the day's sets, reps and
passed reps. Home Assistant then shows them, grouped as one device, with no YAML; the
station's `status` topic is their availability.
"""

from __future__ import annotations

import json

from station.mqtt.topics import Topics

HEALTH_PARTS = ("camera", "pose", "load cell", "buzzer", "storage")
DAY_COUNTS = (("sets", "Sets today"), ("reps", "Reps today"), ("passed", "Passed reps today"))


def _node(topics: Topics) -> str:
    """A discovery node id: letters, digits, '_' and '-' only."""
    raw = f"{topics.prefix}_{topics.station_id}".replace("/", "_").replace(".", "_")
    return "hinge_" + raw


def configs(topics: Topics, discovery_prefix: str) -> list[tuple[str, str]]:
    """(topic, JSON payload) of every discovery config of one station."""
    node = _node(topics)
    device = {"identifiers": [node], "name": f"Hinge Station {topics.station_id}",
              "manufacturer": "Hinge Station", "model": "hip-hinge coach"}
    common = {"availability_topic": topics.status, "payload_available": "online",
              "payload_not_available": "offline", "device": device}
    out = []
    for part in HEALTH_PARTS:
        key = part.replace(" ", "_")
        cfg = {**common, "name": f"{part.capitalize()} problem",
               "unique_id": f"{node}_{key}_problem", "device_class": "problem",
               "state_topic": topics.health,
               "value_template": (f"{{{{ 'OFF' if value_json.parts['{part}'] is not defined "
                                  f"or value_json.parts['{part}'].ok else 'ON' }}}}"),
               "json_attributes_topic": topics.health,
               "json_attributes_template": (
                   f"{{{{ {{'reason': value_json.parts['{part}'].reason}} | tojson "
                   f"if value_json.parts['{part}'] is defined else '{{}}' }}}}")}
        out.append((f"{discovery_prefix}/binary_sensor/{node}/{key}/config", cfg))
    for key, name in DAY_COUNTS:
        cfg = {**common, "name": name, "unique_id": f"{node}_{key}_today",
               "state_topic": topics.today, "value_template": f"{{{{ value_json.{key} }}}}",
               "state_class": "total", "icon": "mdi:weight-lifter"}
        out.append((f"{discovery_prefix}/sensor/{node}/{key}_today/config", cfg))
    return [(t, json.dumps(c, separators=(",", ":"))) for t, c in out]
