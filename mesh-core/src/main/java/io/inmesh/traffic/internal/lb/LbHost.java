package io.inmesh.traffic.internal.lb;

import io.inmesh.discovery.Endpoint;

/** What a load balancer sees of one endpoint: the endpoint itself and its requests in flight. */
public interface LbHost {
    Endpoint endpoint();

    /** Requests in flight to this endpoint from this process. */
    int activeRequests();
}
