package io.optoutgw.suppression.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A disk for the journal writer's channels ({@link JournalFaults#open}) that can be full, can fail a force,
 * and can lose power: {@link #powerLoss()} cuts every file the writer opened back to the length it had at
 * its last successful force, so bytes that were written but never forced are gone, as after a real power
 * cut (a killed process keeps them in the page cache).
 */
final class SimulatedDisk implements JournalFaults {

    private final Map<Path, Long> forcedLength = new ConcurrentHashMap<>();
    private final Map<Path, AtomicInteger> forces = new ConcurrentHashMap<>();
    private volatile boolean full;
    private volatile Predicate<Path> failForce = p -> false;

    /** While full, every write and every new file fails with "No space left on device". */
    void full(boolean full) {
        this.full = full;
    }

    /** Makes each force of a file matching {@code fail} fail (an fsync error). */
    void failForce(Predicate<Path> fail) {
        this.failForce = fail;
    }

    /** Successful and failed forces of {@code file} so far. */
    int forces(Path file) {
        AtomicInteger n = forces.get(file);
        return n == null ? 0 : n.get();
    }

    /** Drops every byte not forced: each file the writer opened is cut to its length at its last force. */
    void powerLoss() throws IOException {
        for (Map.Entry<Path, Long> e : forcedLength.entrySet()) {
            if (!Files.exists(e.getKey())) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(e.getKey(), StandardOpenOption.WRITE)) {
                if (ch.size() > e.getValue()) {
                    ch.truncate(e.getValue());
                }
            }
        }
    }

    @Override
    public void beforeForce(Path segment) {}

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        if (full && Arrays.asList(options).contains(StandardOpenOption.CREATE_NEW)) {
            throw new IOException("No space left on device");
        }
        FileChannel real = FileChannel.open(file, options);
        forcedLength.putIfAbsent(file, real.size());
        return new Channel(file, real);
    }

    private final class Channel extends FileChannel {
        private final Path file;
        private final FileChannel real;

        Channel(Path file, FileChannel real) {
            this.file = file;
            this.real = real;
        }

        private void checkSpace() throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            checkSpace();
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            checkSpace();
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            forces.computeIfAbsent(file, f -> new AtomicInteger()).incrementAndGet();
            if (failForce.test(file)) {
                throw new IOException("Input/output error (fsync)");
            }
            real.force(metaData);
            forcedLength.put(file, real.size());
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            checkSpace();
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            checkSpace();
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            throw new UnsupportedOperationException("not used by the journal");
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
