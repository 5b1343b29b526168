package io.inmesh.security;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A source that hands out whatever the test sets, checked or not: to see what {@link MeshTls} does with it. */
final class SettableSource implements CertificateSource {
    private final List<Consumer<CertificateBundle>> listeners = new CopyOnWriteArrayList<>();
    private volatile CertificateBundle current;

    SettableSource(CertificateBundle initial) {
        this.current = initial;
    }

    void set(CertificateBundle next) {
        current = next;
        listeners.forEach(l -> l.accept(next));
    }

    @Override
    public CertificateBundle current() {
        return current;
    }

    @Override
    public AutoCloseable addListener(Consumer<CertificateBundle> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {
    }
}
