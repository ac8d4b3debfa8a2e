% rebase('base.tpl', title=title)
<section id="gym" class="card wide" data-poll="{{poll_s}}">
  <h1>The gym</h1>
  <p id="gym-line" class="broker broker-{{gym['broker']}}">{{gym['line']}}</p>
  <p id="gym-docs" class="small{{'' if gym['broker'] == 'off' else ' hidden'}}">How: <a href="/docs/mqtt.md">{{gym['docs']}}</a></p>
  <ul id="stations" class="stations{{' stale' if gym['stale'] else ''}}">
  % for s in gym['stations']:
  % include('gym_station.tpl', s=s)
  % end
  </ul>
  <p id="gym-empty" class="small{{'' if gym['broker'] != 'off' and not gym['stations'] else ' hidden'}}">No station has published under {{gym['prefix']}}/ yet. If stations run, the broker's access rules may not let this station's user read {{gym['prefix']}}/#.</p>
</section>
<script src="/static/now.js"></script>
