package io.optoutgw.suppression.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.suppression.ConsentEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed checkpoints: a valid signature, a forged one, an unknown key, no key; the key files. */
class CheckpointTest {

    @TempDir
    Path dir;

    @Test
    void aSignedCheckpointVerifiesAndAnyChangeToItDoesNot() throws Exception {
        EvidenceKeys.Signer signer = KeyFiles.signer(dir);
        Map<String, java.security.PublicKey> trusted = Map.of(signer.keyId(), signer.publicKey());
        Checkpoint c = Checkpoint.of(
                        new EventChain.Head("gw-a/12345678", 42, "cd".repeat(32)),
                        Instant.parse("2026-01-02T03:04:05.678Z"))
                .signedBy(signer);
        assertEquals(signer.keyId(), c.key());
        assertEquals(Checkpoint.Signature.VALID, c.signature(trusted));
        // through its JSON (Redis) and its record (journal)
        assertEquals(c, Checkpoint.fromJson(c.toJson()));
        assertTrue(Checkpoint.isCheckpoint(c.toRecord()));
        assertEquals(c, Checkpoint.fromRecord(c.toRecord()));
        assertFalse(Checkpoint.isCheckpoint(EventChainTest.event(1).toJson()));
        // forged: another seq, another hash, another time, the signature of another checkpoint
        Checkpoint moved = new Checkpoint(c.chain(), 41, c.hash(), c.time(), null, null, c.key(), c.sig());
        Checkpoint rehashed = new Checkpoint(c.chain(), 42, "ef".repeat(32), c.time(), null, null, c.key(), c.sig());
        Checkpoint garbled = new Checkpoint(c.chain(), 42, c.hash(), c.time(), null, null, c.key(), "not base64!");
        for (Checkpoint forged : new Checkpoint[] {moved, rehashed, garbled}) {
            assertEquals(Checkpoint.Signature.INVALID, forged.signature(trusted), forged.toString());
        }
        // signed with a key the auditor does not trust, or not signed at all
        EvidenceKeys.Signer other = KeyFiles.signer(dir);
        Checkpoint byOther = Checkpoint.of(new EventChain.Head("gw-a/12345678", 42, c.hash()), c.time())
                .signedBy(other);
        assertEquals(Checkpoint.Signature.UNKNOWN_KEY, byOther.signature(trusted));
        Checkpoint unsigned = Checkpoint.of(new EventChain.Head("gw-a/12345678", 42, c.hash()), c.time());
        assertEquals(Checkpoint.Signature.UNSIGNED, unsigned.signature(trusted));
        assertEquals(ConsentEvent.Chain.GENESIS.length(), c.hash().length());
    }

    @Test
    void keyFilesNeedBothBlocksThatBelongTogether() throws Exception {
        Path good = KeyFiles.write(dir, "good.pem");
        EvidenceKeys.Signer s = EvidenceKeys.readSigner(good);
        assertEquals(16, s.keyId().length());
        assertEquals(Map.of(s.keyId(), s.publicKey()), EvidenceKeys.publicKeys(Files.readString(good)));

        String pem = Files.readString(good);
        Path privateOnly = dir.resolve("private.pem");
        Files.writeString(privateOnly, pem.substring(0, pem.indexOf("-----BEGIN PUBLIC KEY")));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> EvidenceKeys.readSigner(privateOnly));
        assertTrue(e.getMessage().contains("PUBLIC KEY"), e.getMessage());

        Path mixed = dir.resolve("mixed.pem");
        String otherPem = Files.readString(KeyFiles.write(dir, "other.pem"));
        Files.writeString(
                mixed,
                pem.substring(0, pem.indexOf("-----BEGIN PUBLIC KEY"))
                        + otherPem.substring(otherPem.indexOf("-----BEGIN PUBLIC KEY")));
        e = assertThrows(IllegalArgumentException.class, () -> EvidenceKeys.readSigner(mixed));
        assertTrue(e.getMessage().contains("not the private key's"), e.getMessage());
    }
}
