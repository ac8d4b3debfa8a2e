% show_athlete = get('show_athlete', True)
% if not sets:
<p class="empty">{{get('empty', 'No sets yet.')}}</p>
% else:
<table class="sets">
  <thead><tr><th>When</th>{{!'<th>Athlete</th>' if show_athlete else ''}}<th>Reps</th><th>Passed</th><th>Main fault</th></tr></thead>
  <tbody>
  % for s in sets:
    <tr><td><a href="/sets/{{s['uid']}}">{{local(s['started_at'], '%d %b %H:%M')}}</a></td>
    % if show_athlete:
      <td>{{s['athlete'] or 'guest'}}</td>
    % end
      <td>{{s['reps']}}</td><td>{{s['passed']}}</td><td>{{(s['main_fault'] or '').replace('_', ' ')}}</td></tr>
  % end
  </tbody>
</table>
% end
