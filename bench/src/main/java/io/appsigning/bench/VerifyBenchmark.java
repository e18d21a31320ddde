package io.appsigning.bench;

import io.appsigning.truststore.DenyList;
import io.appsigning.truststore.SafetyVerdict;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import io.appsigning.verifier.AppVerifier;
import io.appsigning.verifier.ReasonCode;
import io.appsigning.verifier.SignatureFiles;
import io.appsigning.verifier.VerificationOptions;
import io.appsigning.verifier.VerificationResult;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Verification throughput of the core against its baselines, on the same bytes: MB/s is
 * ops/s times the size. Run: java -jar bench/target/benchmarks.jar VerifyBenchmark
 * (add -p sizeMiB=1024 -jvmArgs -Xmx3g for 1 GiB).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class VerifyBenchmark {

    @Param({"1", "64"})
    int sizeMiB;

    @Param({"1", "10", "50"})
    int candidates;

    private byte[] app;
    private byte[] signatureFile;
    private byte[] signature;
    private byte[] publicKey;
    private KeyPair signer;
    private AppVerifier verifier;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        app = new byte[sizeMiB * 1024 * 1024];
        new SplittableRandom(1).nextBytes(app);
        List<TrustedCertificate> trusted = new ArrayList<>();
        for (int i = 0; i < candidates; i++) {
            KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            trusted.add(TrustedCertificate.of(selfSigned("CN=Vendor " + i, keys), Path.of("cert" + i + ".pem")));
            signer = keys; // the last candidate signs: every candidate is hashed, the worst case
        }
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initSign(signer.getPrivate());
        jdk.update(app);
        signature = jdk.sign();
        signatureFile = SignatureFiles.encode(signature, null);
        byte[] spki = signer.getPublic().getEncoded();
        publicKey = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        TrustStoreSnapshot snapshot = new TrustStoreSnapshot(Path.of("bench"), trusted, List.of(),
                new SafetyVerdict("bench", false, List.of()), DenyList.empty(), Instant.now());
        verifier = AppVerifier.of(snapshot, VerificationOptions.defaults());
        if (verify().reason() != ReasonCode.VERIFIED) {
            throw new IllegalStateException("the benchmark's app does not verify");
        }
    }

    private static X509Certificate selfSigned(String subject, KeyPair keys) throws Exception {
        X500Principal name = new X500Principal(subject);
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(Instant.now().minus(Duration.ofDays(1))), Date.from(Instant.now().plus(Duration.ofDays(30))), name,
                keys.getPublic()).build(new JcaContentSignerBuilder("Ed25519").build(keys.getPrivate())));
    }

    /** Ours: one streaming pass, the app's SHA-256 and one SHA-512 per candidate key. */
    @Benchmark
    public VerificationResult verify() throws Exception {
        return verifier.verify(new ByteArrayInputStream(app), signatureFile);
    }

    /** The ceiling for any pure Ed25519 verifier on the JDK: one SHA-512 over the app. */
    @Benchmark
    public byte[] jdkSha512() throws Exception {
        return MessageDigest.getInstance("SHA-512").digest(app);
    }

    /** BouncyCastle's verifier, which buffers the whole app (one key). */
    @Benchmark
    public boolean bouncyCastleEd25519Signer() {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
        verifier.update(app, 0, app.length);
        return verifier.verifySignature(signature);
    }

    /** The JDK's verifier, which buffers the whole app too (one key). */
    @Benchmark
    public boolean jdkSignature() throws Exception {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(signer.getPublic());
        verifier.update(app);
        return verifier.verify(signature);
    }
}
