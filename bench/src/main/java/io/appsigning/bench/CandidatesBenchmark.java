package io.appsigning.bench;

import io.appsigning.truststore.DenyList;
import io.appsigning.truststore.SafetyVerdict;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import io.appsigning.verifier.internal.AppVerifier;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.SignatureFiles;
import io.appsigning.verifier.VerificationOptions;
import io.appsigning.verifier.VerificationResult;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The custom flow with many trusted keys (issue 16: 50 keys at most 1.5x one key on a 100 MiB
 * app): a 100 MiB app file (in the page cache after the first reading) verified through
 * {@code AppVerifier.verify(Path, byte[])}, the way the CLI and a spooled upload can, the signer
 * last in the trust store. Run: java -jar bench/target/benchmarks.jar CandidatesBenchmark
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(3)
public class CandidatesBenchmark {

    private static final int SIZE = 100 * 1024 * 1024;
    private static final int MANY = 50;

    private Path app;
    private byte[] signature;
    private KeyPair signer;
    private KeyPair other;
    private AppVerifier one;
    private AppVerifier many;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        app = Files.createTempFile("candidates-", ".jar");
        byte[] block = new byte[1024 * 1024];
        SplittableRandom random = new SplittableRandom(2);
        Signature jdk = Signature.getInstance("Ed25519");
        List<TrustedCertificate> trusted = new ArrayList<>();
        for (int i = 0; i < MANY; i++) {
            KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            trusted.add(TrustedCertificate.of(Certificates.selfSigned("CN=Vendor " + i, keys), Path.of("cert" + i + ".pem")));
            other = i == 0 ? keys : other;
            signer = keys;
        }
        jdk.initSign(signer.getPrivate());
        try (OutputStream out = Files.newOutputStream(app)) {
            for (int written = 0; written < SIZE; written += block.length) {
                random.nextBytes(block);
                out.write(block);
                jdk.update(block);
            }
        }
        signature = jdk.sign();
        one = verifier(trusted.subList(MANY - 1, MANY));
        many = verifier(trusted);
        for (byte[] file : List.of(noHint(), rightHint(), wrongHint())) {
            if (one.verify(app, file).reason() != ReasonCode.VERIFIED || many.verify(app, file).reason() != ReasonCode.VERIFIED) {
                throw new IllegalStateException("the benchmark's app does not verify");
            }
        }
    }

    private static AppVerifier verifier(List<TrustedCertificate> trusted) {
        return AppVerifier.of(new TrustStoreSnapshot(Path.of("bench"), trusted, List.of(),
                new SafetyVerdict("bench", false, List.of()), DenyList.empty(), Instant.now()), VerificationOptions.defaults());
    }

    private byte[] noHint() {
        return SignatureFiles.encode(signature, null);
    }

    private byte[] rightHint() {
        return SignatureFiles.encode(signature, null, signer.getPublic());
    }

    private byte[] wrongHint() {
        return SignatureFiles.encode(signature, null, other.getPublic());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Files.deleteIfExists(app);
    }

    /** The reference: one trusted key. */
    @Benchmark
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public VerificationResult oneKey() throws Exception {
        return one.verify(app, noHint());
    }

    /** 50 trusted keys, the hint naming the signer: one reading, one SHA-512. */
    @Benchmark
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public VerificationResult fiftyKeysRightHint() throws Exception {
        return many.verify(app, rightHint());
    }

    /** 50 trusted keys, no hint (an openssl-made file): every key hashed in one reading, across the cores. */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public VerificationResult fiftyKeysNoHint() throws Exception {
        return many.verify(app, noHint());
    }

    /** 50 trusted keys, the hint naming another trusted key: that one first, then a second reading for the 49 others. */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public VerificationResult fiftyKeysWrongHint() throws Exception {
        return many.verify(app, wrongHint());
    }
}
