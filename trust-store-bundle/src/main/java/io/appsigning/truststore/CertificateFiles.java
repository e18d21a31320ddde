package io.appsigning.truststore;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

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
        Path realFolder = realPath(folder);
        for (Path file : files) {
            FileResult result = readFile(file, realFolder);
            certificates.addAll(result.certificates());
            if (result.problem() != null) {
                problems.add(result.problem());
            }
        }
        return new Contents(certificates, problems);
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
        Collection<? extends Certificate> parsed;
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            parsed = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new CertificateException(e);
        }
        List<TrustedCertificate> certificates = new ArrayList<>();
        for (Certificate certificate : parsed) {
            if (certificate instanceof X509Certificate x509) {
                certificates.add(TrustedCertificate.of(x509, source));
            }
        }
        return certificates;
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
