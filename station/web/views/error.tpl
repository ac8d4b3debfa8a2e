% rebase('base.tpl', title=title)
<section class="card">
  <h1>{{status}}</h1>
  <p id="error" class="error">{{message}}</p>
</section>
