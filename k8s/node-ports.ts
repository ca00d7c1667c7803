/**
 * The walkthrough's NodePorts: `curl <worker>:30776/messages -d Hello` and
 * `curl <worker>:31876/messages`. The manifests, compose file, demo and README use these;
 * test/manifests checks that they agree.
 */
export const NODE_PORTS = { producer: 30776, consumer: 31876 } as const;
