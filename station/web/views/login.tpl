% rebase('base.tpl', title=title)
<section class="card">
  <h1>Coach settings</h1>
  <p>The buzzer, calibration, class mode and the roster need the station's PIN.</p>
  % if error:
  <p id="error" class="error">{{error}}</p>
  % end
  <form method="post" action="/login">
    <label for="pin">PIN</label>
    <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="current-password" required>
    <button id="login" type="submit">Log in</button>
  </form>
</section>
