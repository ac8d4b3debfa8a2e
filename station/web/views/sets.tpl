% rebase('base.tpl', title=title)
<section class="card wide">
  <h1>Sets</h1>
  <p class="small">The newest 100. Export all of them: <a href="/export/sets.csv{{'?' + query if query else ''}}">CSV</a> · <a href="/export/sets.json{{'?' + query if query else ''}}">JSON</a></p>
  % include('set_table.tpl', sets=sets)
</section>
