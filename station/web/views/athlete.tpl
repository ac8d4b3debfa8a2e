% rebase('base.tpl', title=title)
<section class="card wide">
  <h1><span class="num">#{{person['number']}}</span> {{shown}}</h1>
  % if not person['active']:
  <p id="off-roster" class="small">Taken off the roster: their card no longer works; their sets stay.</p>
  % end
  % if sessions:
  <div id="chart">{{!chart}}</div>
  <table id="sessions">
    <thead><tr><th>Day</th><th>Sets</th><th>Reps</th><th>Passed</th><th>Pass rate</th><th>Hips back</th></tr></thead>
    <tbody>
    % for s in reversed(sessions):
      <tr><td>{{s['day']}}</td><td>{{s['sets']}}</td><td>{{s['reps']}}</td><td>{{s['passed']}}</td><td>{{'%.0f%%' % (100 * s['pass_rate'])}}</td><td>{{'' if s['hip_travel'] is None else '%.2f' % s['hip_travel']}}</td></tr>
    % end
    </tbody>
  </table>
  % else:
  <p id="no-sessions" class="empty">No sessions yet: their chart starts with their first set.</p>
  % end
  <p class="exports">Export: <a href="/export/athlete-{{person['id']}}.csv">CSV</a> · <a href="/export/athlete-{{person['id']}}.json">JSON</a> · <a href="/sets?athlete={{person['number']}}">all their sets</a></p>
</section>
<section class="card wide">
  <h2>Last sets</h2>
  % include('set_table.tpl', sets=sets, show_athlete=False, empty='No sets yet.')
</section>
