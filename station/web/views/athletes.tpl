% rebase('base.tpl', title=title)
<section class="card">
  <h1>Athletes</h1>
  % if not athletes:
  <p>Nobody on the roster yet. Print cards with <code>station cards ROSTER.csv cards.pdf</code>, or add athletes in Settings.</p>
  % end
  <ul id="athletes" class="list">
  % for a in athletes:
    <li><a href="/athletes/{{a['id']}}"><span class="num">#{{a['number']}}</span> {{a['shown']}}</a></li>
  % end
  </ul>
  % if off_roster:
  <h2>Taken off the roster</h2>
  <p class="small">Their cards no longer work; their sets stay.</p>
  <ul id="off-roster" class="list">
  % for a in off_roster:
    <li class="inactive"><a href="/athletes/{{a['id']}}"><span class="num">#{{a['number']}}</span> {{a['shown']}}</a></li>
  % end
  </ul>
  % end
</section>
