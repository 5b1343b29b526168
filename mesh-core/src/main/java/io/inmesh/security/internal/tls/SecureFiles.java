package io.inmesh.security.internal.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes key and certificate files whole: to a temporary file in the same directory, flushed to disk, then renamed
 * over the target, so a reader (a watching {@code pemFiles} source, a sidecar) never sees half a file. A private file
 * is created with mode 0600 from the start, never readable by others even for a moment; where the file system has no
 * POSIX permissions (Windows), the directory's own access rules apply.
 */
public final class SecureFiles {
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

    private SecureFiles() {
    }

    /** Writes {@code content} to {@code target}, replacing it; mode 0600 when {@code secret}, else 0644. */
    public static void write(Path target, byte[] content, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(secret ? PRIVATE : PUBLIC)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attrs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            if (posix) {
                Files.setPosixFilePermissions(tmp, secret ? PRIVATE : PUBLIC); // the umask may have narrowed 0644
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes {@code content} to {@code target}, which must not exist yet (mode 0600 when {@code secret}).
     *
     * @throws FileAlreadyExistsException when it exists
     */
    public static void create(Path target, byte[] content, boolean secret) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "already exists; not overwritten");
        }
        write(target, content, secret);
    }
}
