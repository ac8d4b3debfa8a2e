% rebase('base.tpl', title=title)
<section id="now" class="card{{' last-seen' if now['seen'] else ''}}" data-poll="{{poll_s}}">
  <h1>The station now</h1>
  <p class="status"><span id="screen" class="screen screen-{{now['screen']}}">{{now['screen'] if now['running'] else 'not running'}}</span>
    <span id="athlete" class="athlete">{{now['athlete']}}</span></p>
  <p id="seen" class="seen-line{{'' if now['seen'] else ' hidden'}}">{{now['seen']}}</p>
  <div class="counts">
    <div><span id="reps" class="big">{{now['reps']}}</span><span class="label">reps</span></div>
    <div><span id="passed" class="big pass">{{now['passed']}}</span><span class="label">passed</span></div>
  </div>
  <ul id="verdicts" class="verdicts">
  % for v in now['verdicts']:
  % if not v['judged']:
    <li class="unjudged">Rep {{v['rep']}}: NO VERDICT</li>
  % else:
    <li class="{{'pass' if v['passed'] else 'fail'}}">Rep {{v['rep']}}: {{'PASS' if v['passed'] else 'FAIL ' + ', '.join(v['faults']).replace('_', ' ')}}</li>
  % end
  % end
  </ul>
  <ul id="badges" class="badges">
  % for b in now['badges']:
    <li class="{{('ok' if b['ok'] else 'down') if now['running'] else 'seen'}}">{{b['name']}}{{'' if b['ok'] else ': ' + b['reason']}}</li>
  % end
  </ul>
  <p class="small"><span id="settings" class="{{'' if now['running'] else 'hidden'}}">Buzzer <span id="buzzer">{{'muted' if now['muted'] else 'on'}}</span> · class mode <span id="classmode">{{'off' if not now['class_mode_s'] else '%g min' % (now['class_mode_s'] / 60)}}</span> · </span>last word <span id="updated">{{now['updated'] or 'never'}}</span></p>
</section>
<section class="card wide">
  <h2>Today by athlete</h2>
  <table id="today">
    <thead><tr><th>Athlete</th><th>Sets</th><th>Reps</th><th>Passed</th><th>Main fault</th></tr></thead>
    <tbody>
    % for r in today:
      <tr><td>{{!'<a href="/athletes/%d">' % r['athlete_id'] if r['athlete_id'] else ''}}{{r['athlete']}}{{!'</a>' if r['athlete_id'] else ''}}</td><td>{{r['sets']}}</td><td>{{r['reps']}}</td><td>{{r['passed']}}</td><td>{{(r['main_fault'] or '').replace('_', ' ')}}</td></tr>
    % end
    </tbody>
  </table>
  <p class="exports">Export: <a href="/export/today.csv">CSV</a> · <a href="/export/today.json">JSON</a></p>
</section>
<section class="card">
  <h2><a href="/gym">The gym</a></h2>
  <p class="small"><span id="gym-count">{{'%d station%s, %d online' % (gym['stations'], '' if gym['stations'] == 1 else 's', gym['online']) if gym['broker'] != 'off' else ''}}</span></p>
  <p id="gym-line" class="broker broker-{{gym['broker']}}">{{gym['line']}}</p>
</section>
<script src="/static/now.js"></script>
