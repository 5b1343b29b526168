package io.inmesh.spring.internal;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the body bytes the application writes, through the output stream or the writer, without buffering
 * anything itself: the container's stream and writer do the work, so flushing, committing and closing behave as
 * without the mesh. Characters written through the writer are counted in the response's character encoding.
 */
public final class MeshResponse extends HttpServletResponseWrapper {
    private final AtomicLong bytes;
    private ServletOutputStream output;
    private PrintWriter writer;

    public MeshResponse(HttpServletResponse response) {
        this(response, new AtomicLong());
    }

    private MeshResponse(HttpServletResponse response, AtomicLong bytes) {
        super(response);
        this.bytes = bytes;
    }

    /** {@code other} (the same response in a later dispatch), its body bytes counted with this one's. */
    public MeshResponse wrapping(HttpServletResponse other) {
        return new MeshResponse(other, bytes);
    }

    private volatile boolean errorSent;

    /** The body bytes written so far. */
    public long bytesSent() {
        return bytes.get();
    }

    /** True once the application called {@code sendError}: the container renders an error page after the chain. */
    public boolean errorSent() {
        return errorSent;
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        errorSent = true;
        super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        errorSent = true;
        super.sendError(sc);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (output == null) {
            output = new CountingOutput(super.getOutputStream(), bytes);
        }
        return output;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            PrintWriter own = super.getWriter();
            Charset charset;
            try {
                charset = Charset.forName(getCharacterEncoding());
            } catch (IllegalArgumentException | NullPointerException e) {
                charset = StandardCharsets.ISO_8859_1;
            }
            writer = new CountingWriter(own, charset, bytes);
        }
        return writer;
    }

    /** Counts bytes, delegating everything else. */
    private static final class CountingOutput extends ServletOutputStream {
        private final ServletOutputStream out;
        private final AtomicLong count;

        CountingOutput(ServletOutputStream out, AtomicLong count) {
            this.out = out;
            this.count = count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count.incrementAndGet();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count.addAndGet(len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }

    /** Counts the encoded size of what is written, delegating to the container's writer. */
    private static final class CountingWriter extends PrintWriter {
        private final PrintWriter delegate;
        private final Charset charset;
        private final boolean utf8;
        private final AtomicLong count;

        CountingWriter(PrintWriter delegate, Charset charset, AtomicLong count) {
            super(delegate);
            this.delegate = delegate;
            this.charset = charset;
            this.utf8 = charset.equals(StandardCharsets.UTF_8);
            this.count = count;
        }

        private long size(CharSequence s, int off, int len) {
            if (utf8) {
                long n = 0;
                for (int i = off; i < off + len; i++) {
                    char c = s.charAt(i);
                    n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
                }
                return n;
            }
            boolean ascii = true;
            for (int i = off; i < off + len && ascii; i++) {
                ascii = s.charAt(i) < 0x80;
            }
            return ascii ? len : s.subSequence(off, off + len).toString().getBytes(charset).length;
        }

        @Override
        public void write(int c) {
            delegate.write(c);
            count.addAndGet(size(String.valueOf((char) c), 0, 1));
        }

        @Override
        public void write(char[] buf, int off, int len) {
            delegate.write(buf, off, len);
            count.addAndGet(size(java.nio.CharBuffer.wrap(buf), off, len));
        }

        @Override
        public void write(String s, int off, int len) {
            delegate.write(s, off, len);
            count.addAndGet(size(s, off, len));
        }

        @Override
        public void println() {
            write(System.lineSeparator());
        }

        @Override
        public void flush() {
            delegate.flush();
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public boolean checkError() {
            return delegate.checkError();
        }
    }
}
