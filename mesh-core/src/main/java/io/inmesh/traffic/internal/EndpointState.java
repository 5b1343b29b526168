package io.inmesh.traffic.internal;

import io.inmesh.discovery.Endpoint;
import io.inmesh.traffic.internal.lb.LbHost;
import io.inmesh.traffic.internal.resilience.OutlierDetector;
import java.util.concurrent.atomic.AtomicInteger;

/** Runtime state of one endpoint in one cluster: requests in flight and outlier-detection health. */
public final class EndpointState implements LbHost {
    private final Endpoint endpoint;
    private final AtomicInteger active = new AtomicInteger();
    private final OutlierDetector.Health health;
    private volatile Object attachment;

    EndpointState(Endpoint endpoint, OutlierDetector.Health health) {
        this.endpoint = endpoint;
        this.health = health;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public int activeRequests() {
        return active.get();
    }

    public OutlierDetector.Health health() {
        return health;
    }

    /** What telemetry derived from the endpoint (its metric labels), or null; kept as long as the state lives. */
    public Object attachment() {
        return attachment;
    }

    /** Keeps {@code value} with this state (a benign race: concurrent callers store equal values). */
    public void attach(Object value) {
        this.attachment = value;
    }

    void begin() {
        active.incrementAndGet();
    }

    void end() {
        active.decrementAndGet();
    }

    @Override
    public String toString() {
        return endpoint.hostPort() + " active=" + active.get() + " " + health;
    }
}
