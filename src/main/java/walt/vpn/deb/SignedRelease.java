package walt.vpn.deb;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentVerifierBuilderProvider;
import walt.vpn.tree.InvalidDataException;

/**
 * A repository's InRelease file whose OpenPGP signature has been checked against a keyring.
 * Only the signed text is kept: whatever an attacker could add around it never reaches the
 * parser.
 */
public final class SignedRelease {

    /** One line of the SHA256 list: an index file, its size and hash. */
    public record IndexFile(String path, long size, String sha256) {
    }

    private final ControlParagraph release;
    private final String signer;

    private SignedRelease(ControlParagraph release, String signer) {
        this.release = release;
        this.signer = signer;
    }

    /**
     * Verifies {@code inRelease} (a clear-signed file) with the keys of {@code keyring} (binary
     * or ASCII-armored); {@code where} names it in errors.
     */
    public static SignedRelease verify(byte[] inRelease, Path keyring, String where, Instant now) throws IOException {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
        PGPPublicKeyRingCollection keys;
        try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(keyring))) {
            keys = new PGPPublicKeyRingCollection(in, new JcaKeyFingerprintCalculator());
        } catch (PGPException | IOException e) {
            throw new InvalidDataException("keyring " + keyring + ": cannot read it: " + e.getMessage(), e);
        }
        byte[] signedText;
        PGPSignatureList signatures;
        try (ArmoredInputStream armored = ArmoredInputStream.builder().build(new ByteArrayInputStream(inRelease))) {
            if (!armored.isClearText()) {
                throw new InvalidDataException(where + ": not a clear-signed file");
            }
            ByteArrayOutputStream clear = new ByteArrayOutputStream();
            int c;
            // The stream leaves clear-text mode on reading the first byte of the signature
            // armor: that byte is not part of the signed text.
            while ((c = armored.read()) >= 0 && armored.isClearText()) {
                clear.write(c);
            }
            signedText = canonical(clear.toByteArray());
            Object o = new JcaPGPObjectFactory(armored).nextObject();
            if (!(o instanceof PGPSignatureList list)) {
                throw new InvalidDataException(where + ": no signature after the signed text");
            }
            signatures = list;
        } catch (InvalidDataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidDataException(where + ": broken clear-signed file: " + e.getMessage(), e);
        }
        String signer = null;
        List<String> problems = new ArrayList<>();
        for (PGPSignature sig : signatures) {
            PGPPublicKey key = keys.getPublicKey(sig.getKeyID());
            if (key == null) {
                problems.add(String.format("key %016X is not in %s", sig.getKeyID(), keyring));
                continue;
            }
            if (key.hasRevocation()) {
                problems.add(String.format("key %016X is revoked", sig.getKeyID()));
                continue;
            }
            long valid = key.getValidSeconds();
            if (valid > 0 && key.getCreationTime().toInstant().plusSeconds(valid).isBefore(sig.getCreationTime().toInstant())) {
                problems.add(String.format("key %016X had expired when it signed", sig.getKeyID()));
                continue;
            }
            try {
                sig.init(new JcaPGPContentVerifierBuilderProvider().setProvider(BouncyCastleProvider.PROVIDER_NAME), key);
                sig.update(signedText);
                if (sig.verify()) {
                    signer = String.format("%016X", sig.getKeyID());
                    break;
                }
                problems.add(String.format("the signature by key %016X does not match the text", sig.getKeyID()));
            } catch (PGPException e) {
                problems.add(String.format("key %016X: %s", sig.getKeyID(), e.getMessage()));
            }
        }
        if (signer == null) {
            throw new InvalidDataException(where + ": signature check failed: " + String.join("; ", problems));
        }
        List<ControlParagraph> paragraphs = ControlParagraph.parseAll(new String(signedText, StandardCharsets.UTF_8), where);
        if (paragraphs.size() != 1) {
            throw new InvalidDataException(where + ": expected one paragraph, found " + paragraphs.size());
        }
        SignedRelease r = new SignedRelease(paragraphs.get(0), signer);
        r.checkValidity(where, now);
        return r;
    }

    /** RFC 4880 7.1: lines without trailing blanks, joined by CR LF, no final line ending. */
    private static byte[] canonical(byte[] clear) {
        String text = new String(clear, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\r?\n", -1)));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        List<String> stripped = new ArrayList<>();
        for (String l : lines) {
            stripped.add(l.replaceAll("[ \t]+$", ""));
        }
        return String.join("\r\n", stripped).getBytes(StandardCharsets.UTF_8);
    }

    private void checkValidity(String where, Instant now) throws InvalidDataException {
        String until = release.get("Valid-Until");
        if (until != null && now != null) {
            Instant limit = parseDate(until, where);
            if (now.isAfter(limit)) {
                throw new InvalidDataException(where + ": expired on " + until + " (Valid-Until); the mirror is out of date");
            }
        }
    }

    static Instant parseDate(String s, String where) throws InvalidDataException {
        try {
            return ZonedDateTime.parse(s.strip().replace("UTC", "+0000"), DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT)).toInstant();
        } catch (RuntimeException e) {
            throw new InvalidDataException(where + ": cannot read date '" + s + "'");
        }
    }

    public ControlParagraph fields() {
        return release;
    }

    /** The key id (16 hex digits) of the signature that checked out. */
    public String signer() {
        return signer;
    }

    /** The index files listed with their SHA256, by path relative to dists/SUITE/. */
    public List<IndexFile> sha256Files() throws InvalidDataException {
        List<IndexFile> out = new ArrayList<>();
        String list = release.get("SHA256");
        if (list == null) {
            throw new InvalidDataException("Release file has no SHA256 list");
        }
        for (String line : list.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 3 && f[0].matches("[0-9a-f]{64}") && f[1].matches("[0-9]+")) {
                out.add(new IndexFile(f[2], Long.parseLong(f[1]), f[0]));
            }
        }
        return out;
    }
}
