"""`treadle kube-node`: a node agent for clusters where no real kubelet can run.

It registers a Node, runs the pods the scheduler binds to it with the embedded
kubelet on the local runtime, reports their container states through the API,
serves their logs and exec to the API server (`pods/log`, `pods/exec` over
WebSocket), and provisions hostPath volumes for claims no provisioner serves.
"""
