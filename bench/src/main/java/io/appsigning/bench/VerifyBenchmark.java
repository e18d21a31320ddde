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
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
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
 * The core's verification against one SHA-512 over the same bytes (the least a pure Ed25519
 * verifier does) and against the libraries' own verifiers, one trusted key, the app in memory:
 * average time per app, so that ours / jdkSha512 is the core's overhead, the final equation
 * included. Run: java -jar bench/target/benchmarks.jar VerifyBenchmark (bench/core.sh adds
 * openssl's SHA-512 at the same size, interleaved).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class VerifyBenchmark {

    @Param({"1", "64"})
    int sizeMiB;

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
        signer = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        TrustedCertificate trusted = TrustedCertificate.of(Certificates.selfSigned("CN=Vendor", signer), Path.of("cert.pem"));
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initSign(signer.getPrivate());
        jdk.update(app);
        signature = jdk.sign();
        signatureFile = SignatureFiles.encode(signature, null);
        byte[] spki = signer.getPublic().getEncoded();
        publicKey = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        TrustStoreSnapshot snapshot = new TrustStoreSnapshot(Path.of("bench"), List.of(trusted), List.of(),
                new SafetyVerdict("bench", false, List.of()), DenyList.empty(), Instant.now());
        verifier = AppVerifier.of(snapshot, VerificationOptions.defaults());
        if (verify().reason() != ReasonCode.VERIFIED) {
            throw new IllegalStateException("the benchmark's app does not verify");
        }
    }

    /** Ours: the streaming core, 1 MiB reads, one SHA-512 and the final equation. */
    @Benchmark
    public VerificationResult verify() throws Exception {
        return verifier.verify(new ByteArrayInputStream(app), signatureFile);
    }

    /** One SHA-512 over the app, in the same 1 MiB pieces: the least any pure Ed25519 verifier does. */
    @Benchmark
    public byte[] jdkSha512() throws Exception {
        MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
        for (int offset = 0; offset < app.length; offset += 1024 * 1024) {
            sha512.update(app, offset, Math.min(1024 * 1024, app.length - offset));
        }
        return sha512.digest();
    }

    /** BouncyCastle's verifier, which buffers the whole app. */
    @Benchmark
    public boolean bouncyCastleEd25519Signer() {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
        verifier.update(app, 0, app.length);
        return verifier.verifySignature(signature);
    }

    /** The JDK's verifier, which buffers the whole app too. */
    @Benchmark
    public boolean jdkSignature() throws Exception {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(signer.getPublic());
        verifier.update(app);
        return verifier.verify(signature);
    }
}
