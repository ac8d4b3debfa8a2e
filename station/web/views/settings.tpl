% rebase('base.tpl', title=title)
% if message:
<p id="message" class="message">{{message}}</p>
% end
<section class="card">
  <h1>Station</h1>
  <form method="post" action="/settings/buzzer" class="row">
    <span>Buzzer: <b id="buzzer-state">{{'muted' if live.get('muted') else 'on'}}</b></span>
    <input type="hidden" name="muted" value="{{'0' if live.get('muted') else '1'}}">
    <button id="buzzer" type="submit">{{'Turn on' if live.get('muted') else 'Mute'}}</button>
  </form>
  <form method="post" action="/settings/calibrate" class="row">
    <span>Load cell: tare it with nobody on the band</span>
    <button id="calibrate" type="submit">Calibrate</button>
  </form>
  <form method="post" action="/settings/class" class="row">
    <label for="minutes">Class mode</label>
    <select id="minutes" name="minutes">
    % for m in steps:
      <option value="{{m}}" {{'selected' if (live.get('class_mode_s') or 0) == m * 60 else ''}}>{{'off' if m == 0 else '%d min each' % m}}</option>
    % end
    </select>
    <button id="classmode" type="submit">Set</button>
  </form>
  % if requests:
  <h3>Asked of the station</h3>
  <ul class="small" id="requests" data-waiting="{{1 if any(w for _, w in requests) else 0}}">
  % for line, _ in requests:
    <li>{{line}}</li>
  % end
  </ul>
  % end
</section>
<section class="card">
  <h2>Roster and rotation</h2>
  <ul id="roster" class="roster">
  % for a in athletes:
    <li class="{{'' if a['active'] else 'inactive'}}"><span class="num">#{{a['number']}}</span>
      <form method="post" action="/settings/roster/{{a['id']}}/rename" class="inline">
        <input name="name" value="{{a['name']}}" aria-label="name"><input name="nickname" value="{{a['nickname']}}" placeholder="nickname" aria-label="nickname"><button type="submit">Save</button></form>
      <span class="actions">
      % if a['active']:
        <form method="post" action="/settings/roster/{{a['id']}}/up" class="inline"><button type="submit" title="earlier in the rotation">&uarr;</button></form><form method="post" action="/settings/roster/{{a['id']}}/down" class="inline"><button type="submit" title="later in the rotation">&darr;</button></form><form method="post" action="/settings/roster/{{a['id']}}/remove" class="inline"><button type="submit">Remove</button></form>
      % else:
        <span class="small">off the roster</span> <form method="post" action="/settings/roster/{{a['id']}}/restore" class="inline"><button type="submit">Add back</button></form>
      % end
      </span></li>
  % end
  </ul>
  <form method="post" action="/settings/roster/add" class="row">
    <input id="new-name" name="name" placeholder="name" required aria-label="new athlete's name">
    <input id="new-nickname" name="nickname" placeholder="nickname" aria-label="new athlete's nickname">
    <button id="add" type="submit">Add</button>
  </form>
</section>
<section class="card">
  <h2>Changes</h2>
  <ul class="small" id="audit">
  % for a in audit:
    <li>{{local(a['at'], '%d %b %H:%M')}} · {{a['who']}} · {{a['what']}}{{': ' + a['detail'] if a['detail'] else ''}}</li>
  % end
  </ul>
  <p class="exports">Export: <a href="/export/audit.csv">CSV</a> · <a href="/export/audit.json">JSON</a></p>
  <form method="post" action="/logout"><button id="logout" type="submit">Log out</button></form>
</section>
<script src="/static/now.js"></script>
