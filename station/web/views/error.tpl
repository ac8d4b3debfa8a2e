% rebase('base.tpl', title=title)
<section class="card">
  <h1>{{status}}</h1>
  <p id="error" class="error">{{message}}</p>
  % if status == 403:
  <p><a id="login-link" href="/settings">Log in with the PIN</a> (Settings), then try again.</p>
  % end
</section>
