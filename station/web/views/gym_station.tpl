<li class="station state-{{s['state']}}{{' here' if s['here'] else ''}}" data-station="{{s['station']}}">
  <div class="station-head"><span class="station-id">{{s['station']}}{{!' <span class="this-station">this station</span>' if s['here'] else ''}}</span><span class="state">{{s['state']}}{{' since ' + s['since'] if s['since'] else ''}}</span></div>
  % if s['unreadable']:
  <p class="unreadable" title="{{s['unreadable_detail']}}">{{s['unreadable']}}</p>
  % end
  % if s['screen']:
  <p class="doing"><span class="screen screen-{{s['screen']}}">{{s['screen']}}</span> <span class="athlete">{{s['athlete']}}</span></p>
  % end
  % if s['reps'] is not None:
  <p class="figures"><span class="reps">{{s['reps']}}</span> reps · <span class="passed">{{s['passed']}}</span> passed</p>
  % end
  <ul class="badges">
  % for b in s['badges']:
    <li class="{{'ok' if b['ok'] else 'down'}}">{{b['name']}}{{'' if b['ok'] else ': ' + b['reason']}}</li>
  % end
  </ul>
  <p class="last small">{{s['last'] or 'no result seen yet'}}</p>
</li>
