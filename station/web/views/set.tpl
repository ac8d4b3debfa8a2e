% rebase('base.tpl', title=title)
<section class="card wide">
  <h1>{{s['athlete'] or 'Guest'}}, {{local(s['started_at'], '%d %b %H:%M')}}</h1>
  <p>{{s['passed']}} of {{s['reps']}} passed{{', main fault ' + s['main_fault'].replace('_', ' ') if s['main_fault'] else ''}}. Ended: {{s['ended_words']}}.</p>
  <table id="reps">
    <thead><tr><th>Rep</th><th>Verdict</th><th>Cue</th><th>Hips back</th></tr></thead>
    <tbody>
    % for r in s['rep_list']:
      <tr class="{{'pass' if r['passed'] else 'fail'}}"><td>{{r['rep']}}</td><td>{{'PASS' if r['passed'] else ', '.join(r['faults']).replace('_', ' ')}}</td><td>{{r['cue']}}</td><td>{{'%.2f' % r['metrics']['hip_travel'] if 'hip_travel' in r['metrics'] else ''}}</td></tr>
    % end
    </tbody>
  </table>
</section>
