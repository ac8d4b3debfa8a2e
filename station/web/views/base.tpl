<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Hinge Station</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header>
  <a class="brand" href="/">Hinge Station</a>
  <nav>
    <a href="/">Now</a><a href="/gym">Gym</a><a href="/athletes">Athletes</a><a href="/rotation">Rotation</a><a href="/sets">Sets</a><a href="/settings">Settings</a>
  </nav>
</header>
<main>
{{!base}}
</main>
</body>
</html>
