package io.optoutgw.suppression.evidence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Key files for tests. */
public final class KeyFiles {

    private KeyFiles() {}

    /** A new key pair written to {@code dir/name} (PEM, both blocks); its path. */
    public static Path write(Path dir, String name) {
        try {
            Path file = dir.resolve(name);
            Files.writeString(file, EvidenceKeys.pem(EvidenceKeys.generate()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new signer, its key written under {@code dir}. */
    public static EvidenceKeys.Signer signer(Path dir) throws IOException {
        return EvidenceKeys.readSigner(write(dir, "key-" + System.nanoTime() + ".pem"));
    }
}
