package io.appsigning.truststore.internal;

import io.appsigning.truststore.TrustedCertificate;

import io.appsigning.truststore.LoadProblem;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Reads the certificates of a trust store folder: {@code *.crt}, {@code *.pem}, {@code *.cer}
 * (PEM, one or many per file, or DER) and {@code *.der}. A file that cannot be used is skipped and
 * reported; the rest load. Other files are ignored.
 */
public final class CertificateFiles {

    /** Larger files are not certificates an operator placed by hand; reading them could exhaust memory. */
    static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

    /** What a folder held. */
    public record Contents(List<TrustedCertificate> certificates, List<LoadProblem> problems) {
        public Contents {
            certificates = List.copyOf(certificates);
            problems = List.copyOf(problems);
        }
    }

    private CertificateFiles() {}

    public static boolean isCertificateFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".crt") || name.endsWith(".pem") || name.endsWith(".cer") || name.endsWith(".der");
    }

    /** The certificate files of a folder in a stable order (by name). */
    public static List<Path> list(Path folder) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                if (isCertificateFile(entry)) {
                    files.add(entry);
                }
            }
        }
        files.sort(null);
        return files;
    }

    public static Contents read(Path folder) {
        List<TrustedCertificate> certificates = new ArrayList<>();
        List<LoadProblem> problems = new ArrayList<>();
        List<Path> files;
        try {
            files = list(folder);
        } catch (IOException e) {
            problems.add(new LoadProblem(folder, "the trust store folder cannot be read: " + describe(e)));
            return new Contents(certificates, problems);
        }
        for (FileResult result : readFiles(files, realPath(folder))) {
            certificates.addAll(result.certificates());
            if (result.problem() != null) {
                problems.add(result.problem());
            }
        }
        return new Contents(certificates, problems);
    }

    /**
     * Reads many files at once, spread across the cores (parsing is CPU work: 10,000 certificates
     * are most of a second of it), each file's result at its file's index.
     */
    public static List<FileResult> readFiles(List<Path> files, Path realFolder) {
        // Below a few dozen files the fan-out costs more than it saves.
        IntStream indexes = IntStream.range(0, files.size());
        return (files.size() >= 64 ? indexes.parallel() : indexes)
                .mapToObj(i -> readFile(files.get(i), realFolder))
                .toList();
    }

    /** One file's certificates, or why it was skipped. */
    public record FileResult(List<TrustedCertificate> certificates, LoadProblem problem) {}

    /** Reads one file; a symlink must stay inside {@code realFolder} (null: do not check). */
    public static FileResult readFile(Path file, Path realFolder) {
        try {
            if (Files.isSymbolicLink(file) && realFolder != null) {
                Path target = file.toRealPath();
                if (!target.startsWith(realFolder)) {
                    return skipped(file, "it is a symbolic link to " + target + ", outside the trust store; copy the"
                            + " certificate into the folder instead");
                }
            }
            if (!Files.isRegularFile(file)) {
                return skipped(file, "it is not a regular file");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                return skipped(file, "it is " + size + " bytes, more than a certificate file can be (" + MAX_FILE_BYTES + ")");
            }
            if (size == 0) {
                return skipped(file, "it is empty");
            }
            byte[] bytes = Files.readAllBytes(file);
            List<TrustedCertificate> certificates = parse(bytes, file);
            if (certificates.isEmpty()) {
                return skipped(file, "it holds no certificate");
            }
            return new FileResult(certificates, null);
        } catch (CertificateException | RuntimeException e) {
            return skipped(file, "it is not a PEM or DER X.509 certificate (" + describe(e) + ")");
        } catch (IOException e) {
            return skipped(file, "it cannot be read: " + describe(e));
        }
    }

    private static List<TrustedCertificate> parse(byte[] bytes, Path source) throws CertificateException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        Collection<? extends Certificate> parsed = plainPem(bytes, factory);
        if (parsed == null) {
            try (InputStream in = new ByteArrayInputStream(bytes)) {
                parsed = factory.generateCertificates(in);
            } catch (IOException e) {
                throw new CertificateException(e);
            }
        }
        List<TrustedCertificate> certificates = new ArrayList<>();
        for (Certificate certificate : parsed) {
            if (certificate instanceof X509Certificate x509) {
                certificates.add(TrustedCertificate.of(x509, source));
            }
        }
        return certificates;
    }

    private static final byte[] BEGIN = "-----BEGIN CERTIFICATE-----".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "-----END CERTIFICATE-----".getBytes(StandardCharsets.US_ASCII);

    /**
     * The common case the quick way: a file of nothing but PEM CERTIFICATE blocks (white space
     * between them, each marker on a line of its own), each body strict base64 of exactly one DER
     * certificate. The JDK's own PEM
     * reading goes byte by byte through a stream and costs about as much as the parsing; here each
     * body is decoded at once and the JDK parses the DER. Anything else (DER, PKCS#7, other
     * labels, text around the blocks, stray characters, trailing bytes) returns null and goes the
     * JDK's way, so that what is accepted, and how, stays exactly the JDK's.
     */
    static List<Certificate> plainPem(byte[] bytes, CertificateFactory factory) {
        List<Certificate> certificates = new ArrayList<>();
        int at = skipWhiteSpace(bytes, 0);
        while (at < bytes.length) {
            if (!startsWith(bytes, at, BEGIN)) {
                return null;
            }
            int bodyStart = at + BEGIN.length;
            int end = indexOf(bytes, END, bodyStart);
            // Each marker on a line of its own, as the JDK requires of the BEGIN line.
            if (end < 0 || !lineBreakAt(bytes, bodyStart) || bytes[end - 1] != '\n') {
                return null;
            }
            byte[] body = new byte[end - bodyStart];
            int length = 0;
            for (int i = bodyStart; i < end; i++) {
                byte b = bytes[i];
                if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '+' || b == '/' || b == '=') {
                    body[length++] = b;
                } else if (!isWhiteSpace(b)) {
                    return null;
                }
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(Arrays.copyOf(body, length));
                Certificate certificate = factory.generateCertificate(new ByteArrayInputStream(der));
                if (certificate.getEncoded().length != der.length) {
                    return null;
                }
                certificates.add(certificate);
            } catch (IllegalArgumentException | CertificateException e) {
                return null;
            }
            at = skipWhiteSpace(bytes, end + END.length);
        }
        return certificates.isEmpty() ? null : certificates;
    }

    private static boolean lineBreakAt(byte[] bytes, int at) {
        return at < bytes.length && (bytes[at] == '\n' || (bytes[at] == '\r' && at + 1 < bytes.length && bytes[at + 1] == '\n'));
    }

    private static boolean isWhiteSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private static int skipWhiteSpace(byte[] bytes, int from) {
        int at = from;
        while (at < bytes.length && isWhiteSpace(bytes[at])) {
            at++;
        }
        return at;
    }

    private static boolean startsWith(byte[] bytes, int at, byte[] prefix) {
        return bytes.length - at >= prefix.length && Arrays.equals(bytes, at, at + prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] bytes, byte[] needle, int from) {
        for (int i = from; i <= bytes.length - needle.length; i++) {
            if (bytes[i] == needle[0] && startsWith(bytes, i, needle)) {
                return i;
            }
        }
        return -1;
    }

    private static FileResult skipped(Path file, String why) {
        return new FileResult(List.of(), new LoadProblem(file, "skipped " + file + ": " + why));
    }

    static Path realPath(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder.toAbsolutePath().normalize();
        }
    }

    static String describe(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
    }

    static boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }
}
