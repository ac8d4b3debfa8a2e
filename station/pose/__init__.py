"""Pose: MediaPipe's body landmarks from camera frames.

`estimator` finds the landmarks in a frame; `pipeline` runs the camera and the estimator in
threads over a newest-frame slot; `process` runs that pipeline in a process of its own;
`models` builds the offline Tasks model.
"""
