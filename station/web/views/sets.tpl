% rebase('base.tpl', title=title)
% ext = '?' + query if query else ''
<section class="card wide">
  <h1>Sets{{' ' + filter_words if filter_words else ''}}</h1>
  % if sets:
  <p id="sets-line" class="small">{{line}}: <a href="/export/sets.csv{{ext}}">CSV</a> · <a href="/export/sets.json{{ext}}">JSON</a></p>
  % end
  % include('set_table.tpl', sets=sets, empty='No sets %s.' % filter_words if filter_words else 'No sets yet.')
  % if filter_words:
  <p class="small"><a href="/sets">All sets</a></p>
  % end
</section>
