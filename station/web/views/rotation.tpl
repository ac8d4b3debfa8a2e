% rebase('base.tpl', title=title)
<section class="card">
  <h1>Class rotation</h1>
  <p class="small">Class mode is {{'off' if not class_mode_s else 'on: %g min each' % (class_mode_s / 60)}}. The order is the roster's; change it in Settings.</p>
  <ol id="rotation" class="list">
  % for i, a in enumerate(athletes, start=1):
    <li class="{{'current' if current == i and class_mode_s else ''}}"><span class="num">#{{a['number']}}</span> {{a['shown']}}{{'  ← now' if current == i and class_mode_s else ''}}</li>
  % end
  </ol>
  <p class="exports">Export: <a href="/export/rotation.csv">CSV</a> · <a href="/export/rotation.json">JSON</a></p>
</section>
