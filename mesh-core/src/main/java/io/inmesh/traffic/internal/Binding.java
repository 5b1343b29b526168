package io.inmesh.traffic.internal;

/** A target bound to its cluster for one port, or the reason it cannot be (an undefined subset). */
final class Binding {
    final int port;
    final Cluster cluster;
    final String error;

    Binding(int port, Cluster cluster, String error) {
        this.port = port;
        this.cluster = cluster;
        this.error = error;
    }
}
