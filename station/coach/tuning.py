"""The coach's tuning: every number its method rests on, in one frozen dataclass.

Where a number lives
--------------------
`config/station.toml` holds what an installer or a coach changes for their site or their
athletes: the fault limits (degrees, seconds, newtons, leg lengths), what counts as a rep,
how sure a landmark must be. `Tuning` holds the detector's internals: filter cutoffs,
windows, settle and confirm times, noise multipliers, brake curves, correlation gates. They
change only with the bench's accuracy tables in hand (`python -m bench.coach_accuracy`), never
for a site. A key of `[coach]` that became a field here is refused in a settings file, with a
one-line error naming it.

`Coach(config, tuning=...)` and `analyze(..., tuning=...)` take a `Tuning`; tests and the
bench change a value with `dataclasses.replace(Tuning(), name=value)`.

Units: seconds, degrees, newtons; lengths in leg lengths (hip to knee to ankle, standing);
"noise-widths" are standard deviations of a witness's own noise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """The detector's internals (see the module's doc for what belongs here)."""

    # ----- reading the frames -----
    # The One Euro filter's least cutoff (Hz) on the trunk angle.
    trunk_min_cutoff: float = 1.5
    # The One Euro filter's speed coefficient on the trunk angle.
    trunk_beta: float = 0.05
    # The One Euro filter's least cutoff (Hz) on the hip's position.
    hip_min_cutoff: float = 1.5
    # The One Euro filter's speed coefficient on the hip's position.
    hip_beta: float = 0.01
    # The cutoff (Hz) of the One Euro filters' speed estimate.
    one_euro_d_cutoff: float = 1.0
    # Frames in the median that steadies the knee and stick angles.
    median_frames: int = 3
    # The fewest frames a speed is read from, however short its window.
    slope_min_frames: int = 3

    # ----- which way the athlete faces -----
    # Seconds of frames with a person whose facing votes settle the side (two frames at least).
    side_settle_s: float = 0.29
    # Seconds in a row of votes for the other facing before the side follows a turn.
    side_switch_s: float = 0.62

    # ----- the standing position -----
    # Weight of each standing frame in the standing baselines (an exponential average).
    baseline_alpha: float = 0.1
    # Seconds the hips keep still before the standing position is taken and reps may open.
    settle_s: float = 0.3
    # Hip speed (leg lengths a second) under which the athlete counts as standing still.
    settle_speed: float = 0.25
    # Share of settle_s a stand must span (frames come a little early or late).
    settle_slack: float = 0.9
    # Hip speed (leg lengths a second) that, between reps, is a walk and not a stand.
    walk_speed: float = 0.6
    # Seconds out of view after which the athlete may be back elsewhere, or someone else.
    lost_reset_s: float = 1.0
    # Share of the standing leg length within which an athlete back in view is the same one.
    same_leg: float = 0.15
    # Leg lengths from where the ankle stood within which they are back on the same spot.
    same_spot: float = 0.5

    # ----- real cameras: legs hidden, hips jumping, reps seen in part -----
    # Leg lengths a torso length (hip to shoulder) is taken as while the leg is never seen:
    # Winter's 0.491 of stature for the leg, 0.288 for the torso.
    leg_per_torso: float = 1.7
    # Share of the shoulders' drop at min_rep_trunk_deg a rep must reach: a hinge from
    # upright to that lean lowers them (1 - cos) torso lengths, a squat by its hips' drop.
    # Under it, the depth came from landmarks that jumped (a hip hidden by a plate), not
    # from a body that moved. Half leaves room for the shoulders' jitter and a trunk that
    # stood a little leaned.
    rep_shoulder_share: float = 0.5
    # Share of the hips' drop the shoulders must drop too for "hips down, not back": the
    # shoulders ride on the hips and drop with them (a lean only lowers them more).
    hips_down_shoulder_share: float = 0.5
    # Share of min_rep_trunk_deg a rep seen only in part must have gone down and come up
    # (or its shoulders, against a stand seen after it) to count: a clear rep, not jitter.
    partial_clear_share: float = 1.0 / 3.0
    # Share of a rep's deepest frames (depth past `deep_share` of its peak) whose knees
    # must be seen for it to be judged: a knee hidden at the bottom cannot say knee_bend.
    knees_seen_share: float = 0.5
    deep_share: float = 0.7
    # Share of a rep's frames whose view must be one the coach can judge (view.py).
    view_judged_share: float = 0.5
    # stick_contact in a deep lean: past `stick_deep_trunk_deg` of lean, the head line
    # (shoulder to ear) more than `stick_deep_max_deg` forward of the trunk line itself, not
    # of the stand's. Standing, MediaPipe puts the ear 8-34 degrees ahead of the trunk line;
    # past 40 degrees of lean flat backs turn the head up onto the line or behind it (the
    # lifters look ahead: medians -28 to +15, 90th centiles up to 21 on the real side views)
    # and the rounded backs of the real kettlebell set stay 33-38 ahead (their stand's 36
    # is why the stand's line cannot tell them).
    stick_deep_trunk_deg: float = 40.0
    stick_deep_max_deg: float = 25.0
    # Which frames are the athlete's: MediaPipe follows one person and takes someone passing
    # behind for them for a few frames. A frame's hips may be at most `identity_speed` torso
    # lengths a second from the last accepted frame's, plus `identity_slack` torso lengths
    # (jitter), and its torso within `identity_torso` of that frame's length; a frame more
    # than `identity_gap_s` after it is taken whoever it is. A hinge moves the hips under
    # 1.5 torso lengths a second, a walk about 2.5.
    identity_speed: float = 5.0
    identity_slack: float = 0.3
    identity_torso: float = 0.3
    identity_gap_s: float = 0.5
    # Seconds lost, the head last seen at the picture's top edge, after which the athlete
    # has stood up out of it (a camera too close) and a rep that came back up is over:
    # longer than MediaPipe's bursts of lost frames (under 0.3 s on the real clips).
    gone_up_s: float = 0.5
    # Seconds of frames the view is read over, and the share of the picture from an edge
    # within which a person then lost went out over it.
    view_window_s: float = 1.0
    view_edge_margin: float = 0.1

    # ----- the rep's depth -----
    # Degrees over the standing depth that open a rep early while the depth goes down.
    rep_start_rise_deg: float = 4.0
    # Depth speed (degrees a second) that counts as going down.
    rep_start_speed_dps: float = 10.0
    # Degrees from the standing depth within which the athlete stands still.
    still_deg: float = 2.0
    # Seconds back to the last still frame that may be a rep's first.
    onset_lookback_s: float = 1.0
    # Degrees the depth comes back up from its deepest before the rep is ascending.
    turn_deg: float = 4.0
    # Depth speed (degrees a second) under which a rep deep enough is at its bottom.
    bottom_speed_dps: float = 8.0
    # Degrees the depth goes down again on the way up before that is a new descent.
    rechain_deg: float = 8.0
    # Seconds of frames the depth's speed is read over.
    depth_slope_s: float = 0.2
    # Seconds over which the standing depth comes to a level the athlete holds.
    restand_s: float = 1.0

    # ----- the band's tension -----
    # Samples in the median that removes the load cell's lone spikes.
    despike_samples: int = 3
    # Seconds of tension kept to read the band at a frame's instant.
    tension_history_s: float = 0.5
    # Weight of each standing sample in the band's standing tension.
    standing_tension_alpha: float = 0.05
    # Newtons above band_slack_min_n under which the band is not read as a witness.
    band_margin_n: float = 5.0
    # Seconds either side of a frame whose tension samples are averaged for it.
    band_half_span_s: float = 0.015
    # Hip travel (leg lengths) a rep must span before the band's gain is learned from it.
    band_learn_travel: float = 0.04
    # Least correlation of tension with hip travel for the band to be trusted.
    band_min_corr: float = 0.9
    # Fewest frames a band's gain is learned from.
    band_gain_min_samples: int = 10
    # Frames, hip travel (leg lengths) and correlation that tell the band's gain early enough
    # for its own shape to judge an athlete's first rep (its sign is what counts there).
    band_early_samples: int = 3
    band_early_travel: float = 0.02
    band_early_corr: float = 0.8
    # Seconds of tension a descent keeps while the band's sign is not known yet, weighed by
    # the band's own shape once it is (a first rep's stall often comes before it is).
    band_sign_wait_s: float = 1.5
    # Seconds without a tension sample after which the band is not used.
    band_stale_s: float = 0.25

    # ----- the noise gauges -----
    # Weight of each new square in a noise gauge's spread once it has enough of them.
    gauge_alpha: float = 0.03
    # Samples a noise gauge spends finding the level of each stand.
    gauge_settle: int = 3
    # Spreads from the level past which a standing sample is a shift, not noise.
    gauge_shift_sigmas: float = 5.0
    # Widening of a spread read from n squares: 1 + few_squares / n^2.
    few_squares: float = 8.0
    # The spread assumed before any is measured, in noise floors.
    unmeasured_floors: float = 4.0
    # Squares under which a correlated witness's gauge also reads its innovations.
    young_squares: int = 40
    # Squares the noise learned before a gap in view counts as after it.
    prior_squares: int = 3
    # The least camera noise assumed on hip travel over one window (leg lengths).
    travel_noise_floor: float = 0.002
    # The least load-cell noise assumed (newtons): an HX711's own on a 20 kg cell.
    tension_noise_floor_n: float = 0.005
    # The least noise the band's hinge line assumes (newtons): the trunk's angle it is read
    # against shakes it far more than a quiet load cell does.
    band_line_noise_floor_n: float = 0.1
    # The load cell's noise (newtons) under which the band is judged on its own shape alone,
    # not against the camera's trunk as well.
    band_line_least_noise_n: float = 0.1

    # ----- hips_stopped on the hinge line (camera and band) -----
    # Seconds over which the camera's hip travel is judged against the trunk's fold.
    hips_stopped_window_s: float = 0.1
    # Seconds over which the band's tension is judged against the trunk's fold.
    hips_stopped_band_window_s: float = 0.1
    # Seconds old a reading must be to join its descent's hinge line (hips that stopped bend
    # the line toward them once they join it): the camera draws one line per lag and judges
    # each frame against each. The first calls soonest; a tenth of a second after a stall
    # early in the descent the stalled frames have bent it, and the older line still holds
    # the hinge from before (the band's line: the first only).
    hips_stopped_line_lags_s: tuple[float, ...] = (0.1, 0.2)
    # Degrees of fold past which only the first line judges: the older ones are read further
    # from where they were drawn, and a good hinge's hips ease into a deep bottom.
    older_line_max_fold_deg: float = 35.0
    # Times the first line's bars the older lines' are (another look at the same frame is
    # another chance for the camera's jitter to clear a bar).
    older_line_bar: float = 1.08
    # Noise-widths the camera's travel must fall short of its hinge line by.
    hips_stopped_noise_k: float = 3.5
    # Noise-widths the band's tension must fall short of its hinge line by.
    hips_stopped_band_noise_k: float = 3.0
    # Seconds the camera's stall persists before the call.
    hips_stopped_hold_s: float = 0.0
    # Seconds the band's stall persists before the call.
    hips_stopped_band_hold_s: float = 0.0
    # Noise-widths of the camera's innovations that call a stall sooner (0: off).
    hips_stopped_evidence_k: float = 4.0
    # Degrees of trunk the hinge line spans before it judges.
    line_min_span_deg: float = 5.0
    # Weight (in samples) of the standing point in each descent's hinge line.
    origin_weight: float = 3.0
    # Frame-to-frame correlation of the camera's jitter.
    evidence_rho: float = 0.8
    # Frames back the innovations test looks for a stall's onset.
    evidence_frames: int = 3
    # The innovations' least spread, as a share of a pure AR(rho) jitter's (sqrt(1 - rho^2)).
    evidence_share: float = 0.8
    # Noise-widths short of the line the level must also be for the innovations to call.
    evidence_min_z: float = 2.5

    # ----- hips_stopped on the band's own shape (shape.py) -----
    # Log-likelihood ratio of "stopped" over "went on" an onset must reach. A likelihood
    # ratio exceeds e^h with chance e^-h when nothing stopped (Ville's inequality): noise
    # alone needs 11, ln(about 75 onsets a descent / one false call in 1,000 descents). A
    # quick bottom or a movement abandoned half-way departs from what "went on" allows, by
    # up to 4 more; 15 keeps them under one false buzz in 200 good reps (latency.md).
    hips_stopped_evidence: float = 15.0
    # Seconds between the onsets (moments the hips may have stopped at) the band weighs.
    hips_stopped_onset_step_s: float = 0.02
    # Seconds after an onset its evidence is gathered (a stall shows within a few tenths).
    hips_stopped_onset_life_s: float = 0.25
    # Seconds over which stopped hips coast out the speed they lose (they have momentum).
    hips_stopped_coast_s: float = 0.03
    # Seconds over which the quickest smooth hinge eases off its speed into its bottom (a
    # time constant: hips that stop lose it over hips_stopped_coast_s).
    hips_stopped_ease_s: float = 0.08
    # Time constants "went on" may ease off with: that one, twice, four times... (and none).
    hips_stopped_eases: int = 4
    # Share of its speed by which a hinge's pace may be off what its trend says, any way.
    hips_stopped_pace_doubt: float = 0.07
    # How much harder than this descent sped up a smooth hinge of its pace may slow.
    hips_stopped_ease_margin: float = 2.0
    # Hip speed (leg lengths a second) under which the band's trend is not judged.
    hips_stopped_min_speed: float = 0.05
    # Seconds of tension before an onset that may draw the hips' trend, shortest first.
    band_trend_spans: tuple[float, ...] = (0.06, 0.09, 0.13, 0.19, 0.27)
    # The doubt of the trend's speed (a share of it) that the shortest span must meet.
    band_trend_doubt: float = 0.05
    # The doubt a longer span may have when none meets band_trend_doubt (a noisier band).
    band_trend_doubt_last: float = 0.08
    # The fewest tension readings that draw a trend.
    band_trend_readings: int = 5
    # Seconds of tension the band's speed is read over (for how fast the descent went).
    band_speed_s: float = 0.1
    # Newtons off its trend past which a tension reading is a spike (ten noise-widths if more).
    band_spike_n: float = 5.0
    # Intervals between readings the load cell's rate is the median of (its time stamps'
    # wander is read against it).
    timing_intervals: int = 64
    # Readings in each block of the slow reading of the load cell's noise.
    band_noise_block: int = 5
    # How many blocks' third differences the band's slow noise is the median of (6 s of
    # standing: a median of fewer reads the noise 20% high now and then).
    band_noise_blocks: int = 96
    # Degrees a second the trunk must be folding at an onset for the band to judge it.
    shape_trunk_dps: float = 10.0

    # ----- hips_stopped: the gates and the take-back -----
    # Seconds of trunk angle in the straight line read as the trunk's angle now.
    trunk_line_s: float = 0.15
    # Seconds of trunk angles kept for the stall tests.
    trunk_history_s: float = 1.0
    # Share of stick_max_deg the back may fold forward off the stick before the trunk-read
    # tests stop judging (folded back, it is the shoulder point's jitter: they judge on).
    stick_gate: float = 0.2
    # Degrees of fold (trunk past standing) past which the trunk-read tests do not judge:
    # stalls come in a descent's first half (the simulator's are called at 27 degrees at the
    # median, 45 at most); a deep hinge's last frames fall short of its line by the camera's
    # jitter alone.
    hinge_line_max_fold_deg: float = 50.0
    # Least shortfall (noise-widths) of the camera's newest frame for the band line's call.
    band_camera_z: float = 2.0
    # Seconds before a rep opens within which a stall seen is called when it opens.
    early_stall_s: float = 0.5
    # Seconds after a call within which hips going on back take it back (0: off).
    hips_stopped_confirm_s: float = 0.25
    # Hip travel (leg lengths) going on back that takes a call back.
    hips_stopped_resume: float = 0.03

    # ----- hips_stopped at the rep's end -----
    # Share of travel gained over the fold's last part under which a knee_bend rep stopped.
    hips_stopped_late_share: float = 0.2
    # The last share of the trunk's fold over which that gain is read.
    late_fold: float = 0.4
    # Degrees of fold under which the late share cannot say.
    late_min_fold_deg: float = 10.0
