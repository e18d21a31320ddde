package io.appsigning.verifier.internal;


import io.appsigning.verifier.SignatureFiles;

import io.appsigning.verifier.SignatureFile;

import io.appsigning.verifier.PendingVerification;

import io.appsigning.verifier.VerificationOptions;

import io.appsigning.verifier.VerificationResult;

import io.appsigning.verifier.ReasonCode;

import io.appsigning.verifier.Flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both flows end to end: every reason code, from real keys, certificates and signatures. */
class VerificationFlowsTest {

    private static final Instant NOW = Pki.NOW;
    private final Pki pki = new Pki();
    private final byte[] app = "PK\u0003\u0004 pretend this is a bundle".repeat(1000).getBytes();

    private static VerificationResult verify(TrustStoreSnapshot trust, byte[] app, byte[] sig) {
        return verify(trust, app, sig, NOW);
    }

    private static VerificationResult verify(TrustStoreSnapshot trust, byte[] app, byte[] sig, Instant at) {
        try {
            return AppVerifier.of(trust, new VerificationOptions(at, false)).verify(new ByteArrayInputStream(app), sig);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String sha256Unchecked(byte[] data) {
        try {
            return sha256(data);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Nested
    class Custom {
        private final Pki.Issued vendor = pki.selfSigned(Pki.Spec.leaf("CN=Vendor Private Builds").notCa());

        @Test
        void verifiesAndNamesTheSigner() throws Exception {
            Pki.Issued other = pki.selfSigned(Pki.Spec.leaf("CN=Someone Else"));
            byte[] sig = SignatureFiles.encode(Pki.sign(vendor.key(), app), null);
            VerificationResult result = verify(Pki.store(List.of(other.certificate(), vendor.certificate())), app, sig);
            assertThat(result.reason()).isEqualTo(ReasonCode.VERIFIED);
            assertThat(result.verified()).isTrue();
            assertThat(result.flow()).isEqualTo(Flow.CUSTOM);
            assertThat(result.signer().subject()).isEqualTo("CN=Vendor Private Builds");
            assertThat(result.signer().sha256()).isEqualTo(TrustedCertificate.of(vendor.certificate(), null).sha256());
            // The app's digest is computed for the deny list, so only when there is one.
            assertThat(result.appSha256()).isNull();
            assertThat(verify(Pki.store(List.of(other.certificate(), vendor.certificate()), Pki.deny("00".repeat(32)), true),
                    app, sig).appSha256()).isEqualTo(sha256(app));
        }

        /** Fed as direct buffers (as the CLI feeds OpenSSL's SHA-512), the decisions are the array path's. */
        @Test
        void directBuffersDecideAsArraysDo() {
            byte[] sig = SignatureFiles.encode(Pki.sign(vendor.key(), app), null);
            byte[] tampered = app.clone();
            tampered[7] ^= 1;
            TrustStoreSnapshot plain = Pki.store(List.of(vendor.certificate()));
            TrustStoreSnapshot denying = Pki.store(List.of(vendor.certificate()), Pki.deny(sha256Unchecked(app)), true);
            for (TrustStoreSnapshot trust : List.of(plain, denying)) {
                for (byte[] bytes : List.of(app, tampered)) {
                    PendingVerification pending = AppVerifier.of(trust, new VerificationOptions(NOW, false)).begin(sig);
                    for (int offset = 0; offset < bytes.length; offset += 4000) {
                        int n = Math.min(4000, bytes.length - offset);
                        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(n);
                        direct.put(bytes, offset, n).flip();
                        pending.update(direct);
                        assertThat(direct.hasRemaining()).isFalse();
                    }
                    VerificationResult viaBuffers = pending.finish();
                    VerificationResult viaArrays = verify(trust, bytes, sig);
                    assertThat(viaBuffers.reason()).isEqualTo(viaArrays.reason());
                    assertThat(viaBuffers.appSha256()).isEqualTo(viaArrays.appSha256());
                    assertThatThrownBy(() -> pending.update(java.nio.ByteBuffer.allocateDirect(1)))
                            .isInstanceOf(IllegalStateException.class).hasMessage("this verification has finished");
                }
            }
            assertThat(verify(denying, app, sig).reason()).isEqualTo(ReasonCode.REVOKED);
            assertThat(verify(plain, tampered, sig).reason()).isEqualTo(ReasonCode.SIGNATURE_MISMATCH);
        }

        @Test
        void aTamperedAppIsASignatureMismatch() {
            byte[] sig = SignatureFiles.encode(Pki.sign(vendor.key(), app), null);
            byte[] tampered = app.clone();
            tampered[tampered.length / 2] ^= 1;
            VerificationResult result = verify(Pki.store(List.of(vendor.certificate())), tampered, sig);
            assertThat(result.reason()).isEqualTo(ReasonCode.SIGNATURE_MISMATCH);
            assertThat(result.signer()).isNull();
            assertThat(result.message()).contains("1 trusted Ed25519 certificates");
        }

        @Test
        void anUntrustedKeyIsASignatureMismatch() {
            Pki.Issued stranger = pki.selfSigned(Pki.Spec.leaf("CN=Stranger"));
            byte[] sig = SignatureFiles.encode(Pki.sign(stranger.key(), app), null);
            assertThat(verify(Pki.store(List.of(vendor.certificate())), app, sig).reason())
                    .isEqualTo(ReasonCode.SIGNATURE_MISMATCH);
        }

        @Test
        void anEmptyTrustStoreTrustsNothing() {
            byte[] sig = SignatureFiles.encode(Pki.sign(vendor.key(), app), null);
            VerificationResult result = verify(Pki.store(List.of()), app, sig);
            assertThat(result.reason()).isEqualTo(ReasonCode.NO_TRUSTED_CERTIFICATES);
            assertThat(result.flow()).isEqualTo(Flow.CUSTOM);
        }

        @Test
        void expiredAndNonEd25519CertificatesAreNotCandidates() {
            Pki.Issued expired = pki.selfSigned(Pki.Spec.leaf("CN=Old Vendor")
                    .validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(1))));
            Pki.Issued ecCa = pki.selfSigned(Pki.Spec.ca("CN=EC CA"));
            X509Certificate ecLeaf = pki.issue(Pki.Spec.leaf("CN=EC Vendor"), Pki.p256(), ecCa).certificate();
            byte[] sig = SignatureFiles.encode(Pki.sign(expired.key(), app), null);
            VerificationResult result = verify(Pki.store(List.of(expired.certificate(), ecLeaf)), app, sig);
            assertThat(result.reason()).isEqualTo(ReasonCode.NO_TRUSTED_CERTIFICATES);
            assertThat(result.message()).contains("1 have no Ed25519 key and 1 are not valid");
        }

        @Test
        void aCertificateNotYetValidDoesNotVerify() {
            Pki.Issued future = pki.selfSigned(Pki.Spec.leaf("CN=Future Vendor")
                    .validity(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30))));
            byte[] sig = SignatureFiles.encode(Pki.sign(future.key(), app), null);
            assertThat(verify(Pki.store(List.of(future.certificate())), app, sig).verified()).isFalse();
            assertThat(verify(Pki.store(List.of(future.certificate())), app, sig, NOW.plus(Duration.ofDays(2))).verified())
                    .isTrue();
        }

        @Test
        void aDenyListedSignerIsRevoked() {
            byte[] sig = SignatureFiles.encode(Pki.sign(vendor.key(), app), null);
            TrustedCertificate info = TrustedCertificate.of(vendor.certificate(), null);
            assertThat(verify(Pki.store(List.of(vendor.certificate()), Pki.deny(info.sha256()), true), app, sig).reason())
                    .isEqualTo(ReasonCode.REVOKED);
            assertThat(verify(Pki.store(List.of(vendor.certificate()), Pki.deny(info.publicKeySha256()), true), app, sig).reason())
                    .isEqualTo(ReasonCode.REVOKED);
        }
    }

    @Nested
    class Marketplace {
        private final Pki.Issued root = pki.selfSigned(Pki.Spec.ca("CN=Test Marketplace Root"));
        /** Like the real intermediate CA v2: critical KU digitalSignature + dataEncipherment, no keyCertSign. */
        private final Pki.Issued intermediateLikeV2 = pki.issue(Pki.Spec.ca("CN=Test Marketplace Intermediate v2")
                .caPathLen(0).keyUsage(KeyUsage.digitalSignature | KeyUsage.dataEncipherment), Pki.ed25519(), root);

        private Pki.Issued leaf(Pki.Spec spec) {
            return pki.issue(spec, Pki.ed25519(), intermediateLikeV2);
        }

        private byte[] signed(Pki.Issued leaf) {
            return SignatureFiles.encode(Pki.sign(leaf.key(), app), leaf.certificate());
        }

        private TrustStoreSnapshot store() {
            return Pki.store(List.of(intermediateLikeV2.certificate()));
        }

        @Test
        void aLeafFromAnIntermediateWithoutKeyCertSignVerifies() {
            Pki.Issued leaf = leaf(Pki.Spec.leaf("CN=Acme Apps"));
            VerificationResult result = verify(store(), app, signed(leaf));
            assertThat(result.reason()).as(result.message()).isEqualTo(ReasonCode.VERIFIED);
            assertThat(result.flow()).isEqualTo(Flow.MARKETPLACE);
            assertThat(result.signer().subject()).isEqualTo("CN=Acme Apps");
        }

        @Test
        void aTamperedAppIsASignatureMismatch() {
            byte[] sig = signed(leaf(Pki.Spec.leaf("CN=Acme Apps")));
            byte[] tampered = (new String(app) + "!").getBytes();
            assertThat(verify(store(), tampered, sig).reason()).isEqualTo(ReasonCode.SIGNATURE_MISMATCH);
        }

        @Test
        void aP256LeafIsUnsupported() {
            Pki.Issued leaf = pki.issue(Pki.Spec.leaf("CN=EC Leaf"), Pki.p256(), intermediateLikeV2);
            byte[] sig = SignatureFiles.encode(new byte[64], leaf.certificate());
            VerificationResult result = verify(store(), app, sig);
            assertThat(result.reason()).isEqualTo(ReasonCode.UNSUPPORTED_KEY_ALGORITHM);
            assertThat(result.message()).contains("EC");
        }

        @Test
        void anExpiredOrNotYetValidLeaf() {
            byte[] sig = signed(leaf(Pki.Spec.leaf("CN=Acme Apps")));
            assertThat(verify(store(), app, sig, NOW.plus(Duration.ofDays(31))).reason())
                    .isEqualTo(ReasonCode.CERTIFICATE_EXPIRED);
            assertThat(verify(store(), app, sig, NOW.minus(Duration.ofDays(2))).reason())
                    .isEqualTo(ReasonCode.CERTIFICATE_NOT_YET_VALID);
        }

        @Test
        void anExpiredOrNotYetValidAnchorDoesNotCount() {
            Pki.Issued oldCa = pki.selfSigned(Pki.Spec.ca("CN=Old CA")
                    .validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(1))));
            Pki.Issued leafOfOld = pki.issue(Pki.Spec.leaf("CN=Acme Apps"), Pki.ed25519(), oldCa);
            assertThat(verify(Pki.store(List.of(oldCa.certificate())), app, signed(leafOfOld)).reason())
                    .isEqualTo(ReasonCode.CERTIFICATE_EXPIRED);
            Pki.Issued newCa = pki.selfSigned(Pki.Spec.ca("CN=New CA")
                    .validity(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(400))));
            Pki.Issued leafOfNew = pki.issue(Pki.Spec.leaf("CN=Acme Apps"), Pki.ed25519(), newCa);
            assertThat(verify(Pki.store(List.of(newCa.certificate())), app, signed(leafOfNew)).reason())
                    .isEqualTo(ReasonCode.CERTIFICATE_NOT_YET_VALID);
        }

        @Test
        void aLeafIssuedByATrustedCertificateThatIsNotACaIsUntrusted() {
            Pki.Issued notCa = pki.selfSigned(Pki.Spec.leaf("CN=Not A CA").notCa());
            Pki.Issued leaf = pki.issue(Pki.Spec.leaf("CN=Acme Apps"), Pki.ed25519(), notCa);
            VerificationResult result = verify(Pki.store(List.of(notCa.certificate())), app, signed(leaf));
            assertThat(result.reason()).isEqualTo(ReasonCode.UNTRUSTED_CERTIFICATE);
            assertThat(result.message()).contains("not a CA");
        }

        @Test
        void aLeafFromAnIssuerOutsideTheTrustStoreIsUntrusted() {
            Pki.Issued leaf = leaf(Pki.Spec.leaf("CN=Acme Apps"));
            // The root is trusted but did not issue the leaf directly: the path is leaf + issuing anchor only.
            assertThat(verify(Pki.store(List.of(root.certificate())), app, signed(leaf)).reason())
                    .isEqualTo(ReasonCode.UNTRUSTED_CERTIFICATE);
        }

        @Test
        void anImpostorIssuerWithTheSameNameIsUntrusted() {
            Pki.Issued impostor = pki.selfSigned(Pki.Spec.ca("CN=Test Marketplace Intermediate v2"));
            Pki.Issued leaf = pki.issue(Pki.Spec.leaf("CN=Acme Apps"), Pki.ed25519(), impostor);
            assertThat(verify(store(), app, signed(leaf)).reason()).isEqualTo(ReasonCode.UNTRUSTED_CERTIFICATE);
        }

        @Test
        void keyUsageAndExtendedKeyUsageMustAllowCodeSigning() {
            Pki.Issued noDigitalSignature = leaf(Pki.Spec.leaf("CN=Acme Apps").keyUsage(KeyUsage.keyEncipherment));
            assertThat(verify(store(), app, signed(noDigitalSignature)).reason())
                    .isEqualTo(ReasonCode.CERTIFICATE_NOT_FOR_CODE_SIGNING);
            Pki.Issued serverAuth = leaf(Pki.Spec.leaf("CN=Acme Apps").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            assertThat(verify(store(), app, signed(serverAuth)).reason())
                    .isEqualTo(ReasonCode.CERTIFICATE_NOT_FOR_CODE_SIGNING);
            Pki.Issued anyPurpose = leaf(Pki.Spec.leaf("CN=Acme Apps").extendedKeyUsage(KeyPurposeId.anyExtendedKeyUsage));
            assertThat(verify(store(), app, signed(anyPurpose)).reason()).isEqualTo(ReasonCode.VERIFIED);
            Pki.Issued noExtensions = leaf(Pki.Spec.leaf("CN=Acme Apps").keyUsage(null).extendedKeyUsage((KeyPurposeId[]) null));
            assertThat(verify(store(), app, signed(noExtensions)).reason()).isEqualTo(ReasonCode.VERIFIED);
        }

        @Test
        void anUnknownCriticalExtensionIsUntrusted() {
            Pki.Issued leaf = leaf(Pki.Spec.leaf("CN=Acme Apps").criticalExtension("1.2.3.4.5"));
            assertThat(verify(store(), app, signed(leaf)).reason()).isEqualTo(ReasonCode.UNTRUSTED_CERTIFICATE);
        }

        @Test
        void anEcdsaAnchorMayIssueAnEd25519Leaf() {
            KeyPair caKeys = Pki.p256();
            Pki.Issued ecRoot = pki.selfSigned(Pki.Spec.ca("CN=Self"));
            Pki.Issued ecCa = pki.issue(Pki.Spec.ca("CN=EC Intermediate").caPathLen(0), caKeys, ecRoot);
            Pki.Issued leaf = pki.issue(Pki.Spec.leaf("CN=Acme Apps"), Pki.ed25519(), ecCa);
            assertThat(verify(Pki.store(List.of(ecCa.certificate())), app, signed(leaf)).reason())
                    .isEqualTo(ReasonCode.VERIFIED);
        }

        @Test
        void aDenyListedLeafKeyOrAnchorIsRevoked() {
            Pki.Issued leaf = leaf(Pki.Spec.leaf("CN=Acme Apps"));
            TrustedCertificate leafInfo = TrustedCertificate.of(leaf.certificate(), null);
            TrustedCertificate anchorInfo = TrustedCertificate.of(intermediateLikeV2.certificate(), null);
            for (String denied : List.of(leafInfo.sha256(), leafInfo.publicKeySha256(), anchorInfo.sha256())) {
                TrustStoreSnapshot store = Pki.store(List.of(intermediateLikeV2.certificate()), Pki.deny(denied), true);
                assertThat(verify(store, app, signed(leaf)).reason()).isEqualTo(ReasonCode.REVOKED);
            }
        }

        @Test
        void theCertificateMayBeDerInsteadOfPem() throws Exception {
            Pki.Issued leaf = leaf(Pki.Spec.leaf("CN=Acme Apps"));
            String json = "{\"signature\":\"" + java.util.Base64.getEncoder().encodeToString(Pki.sign(leaf.key(), app))
                    + "\",\"certificate\":\"" + java.util.Base64.getEncoder().encodeToString(leaf.certificate().getEncoded()) + "\"}";
            assertThat(verify(store(), app, json.getBytes()).reason()).isEqualTo(ReasonCode.VERIFIED);
        }
    }

    @Test
    void theSignatureFileIsRequired() {
        Pki.Issued vendor = pki.selfSigned(Pki.Spec.leaf("CN=Vendor"));
        VerificationResult result = verify(Pki.store(List.of(vendor.certificate())), app, null);
        assertThat(result.reason()).isEqualTo(ReasonCode.MISSING_SIGNATURE);
        assertThat(result.flow()).isNull();
    }

    @Test
    void anUnsafeTrustStoreTrustsNothingUnlessLoose() throws IOException {
        Pki.Issued vendor = pki.selfSigned(Pki.Spec.leaf("CN=Vendor"));
        byte[] sig = SignatureFiles.encode(Pki.sign(vendor.key(), app), null);
        TrustStoreSnapshot unsafe = Pki.store(List.of(vendor.certificate()), Pki.deny(), false);
        VerificationResult strict = verify(unsafe, app, sig);
        assertThat(strict.reason()).isEqualTo(ReasonCode.TRUST_STORE_UNSAFE);
        assertThat(strict.message()).contains("chmod o-w /trust");
        VerificationResult loose = AppVerifier.of(unsafe, new VerificationOptions(NOW, true))
                .verify(new ByteArrayInputStream(app), sig);
        assertThat(loose.reason()).isEqualTo(ReasonCode.VERIFIED);
    }

    @Test
    void aDenyListedAppIsRevokedWhateverElseHolds() throws Exception {
        Pki.Issued vendor = pki.selfSigned(Pki.Spec.leaf("CN=Vendor"));
        byte[] sig = SignatureFiles.encode(Pki.sign(vendor.key(), app), null);
        TrustStoreSnapshot store = Pki.store(List.of(vendor.certificate()), Pki.deny(sha256(app).toUpperCase()), true);
        assertThat(verify(store, app, sig).reason()).isEqualTo(ReasonCode.REVOKED);
        assertThat(verify(store, app, null).reason()).isEqualTo(ReasonCode.REVOKED);
        assertThat(verify(store, app, "{".getBytes()).reason()).isEqualTo(ReasonCode.REVOKED);
    }

    @Test
    void theAnswerDoesNotDependOnHowTheAppArrives() {
        Pki.Issued vendor = pki.selfSigned(Pki.Spec.leaf("CN=Vendor"));
        TrustStoreSnapshot store = Pki.store(List.of(vendor.certificate()));
        byte[] sig = SignatureFiles.encode(Pki.sign(vendor.key(), app), null);
        for (int chunk : new int[] {1, 7, 64, 127, 128, 129, 4096, app.length}) {
            PendingVerification pending = AppVerifier.of(store, new VerificationOptions(NOW, false)).begin(sig);
            for (int off = 0; off < app.length; off += chunk) {
                pending.update(app, off, Math.min(chunk, app.length - off));
            }
            assertThat(pending.finish().reason()).as("chunk %d", chunk).isEqualTo(ReasonCode.VERIFIED);
        }
    }

    /**
     * The key hint orders the work and is never trusted: whatever it says, the decision is the one
     * without it, in one reading (begin) and in two (a file, beginRereadable).
     */
    @Nested
    class KeyHints {
        private final Pki.Issued a = pki.selfSigned(Pki.Spec.leaf("CN=Vendor A"));
        private final Pki.Issued b = pki.selfSigned(Pki.Spec.leaf("CN=Vendor B"));
        private final Pki.Issued c = pki.selfSigned(Pki.Spec.leaf("CN=Vendor C"));
        private final Pki.Issued stranger = pki.selfSigned(Pki.Spec.leaf("CN=Stranger"));
        private final Pki.Issued expired = pki.selfSigned(Pki.Spec.leaf("CN=Old Vendor")
                .validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(1))));
        private final List<X509Certificate> trusted = List.of(a.certificate(), b.certificate(), c.certificate(), expired.certificate());

        private String keyHash(Pki.Issued issued) {
            return TrustedCertificate.of(issued.certificate(), null).publicKeySha256();
        }

        private byte[] sigFile(byte[] signature, String hintJson) {
            String b64 = java.util.Base64.getEncoder().encodeToString(signature);
            return ("{\"signature\": \"" + b64 + "\"" + (hintJson == null ? "" : ", \"keySha256\": " + hintJson) + "}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        private List<String> hints() {
            return java.util.Arrays.asList(null,
                    "\"" + keyHash(a) + "\"", "\"" + keyHash(b) + "\"", "\"" + keyHash(c) + "\"",
                    "\"" + keyHash(b).toUpperCase() + "\"",
                    "\"" + keyHash(stranger) + "\"", "\"" + keyHash(expired) + "\"",
                    "\"" + TrustedCertificate.of(b.certificate(), null).sha256() + "\"", // the certificate's hash, not the key's
                    "\"" + keyHash(b).substring(1) + "z\"", "\"" + keyHash(b).substring(2) + "\"", "\"\"", "17", "[1]");
        }

        /** Every hint against the result without one, for one store, signer and app. */
        private void sameWhateverTheHint(TrustStoreSnapshot store, PrivateKey signer, byte[] signedApp, byte[] checkedApp,
                                         ReasonCode expected, Path dir) throws Exception {
            byte[] signature = Pki.sign(signer, signedApp);
            VerificationResult reference = verify(store, checkedApp, sigFile(signature, null));
            assertThat(reference.reason()).isEqualTo(expected);
            Path file = dir.resolve("app.jar");
            Files.write(file, checkedApp);
            for (String hint : hints()) {
                byte[] sig = sigFile(signature, hint);
                VerificationResult oneReading = verify(store, checkedApp, sig);
                VerificationResult twoReadings = AppVerifier.of(store, new VerificationOptions(NOW, false)).verify(file, sig);
                assertThat(oneReading).as("one reading, hint %s", hint).isEqualTo(reference);
                assertThat(twoReadings).as("two readings, hint %s", hint).isEqualTo(reference);
            }
        }

        @Test
        void aRightWrongOrUnusableHintChangesNothing(@TempDir Path dir) throws Exception {
            sameWhateverTheHint(Pki.store(trusted), b.key(), app, app, ReasonCode.VERIFIED, dir);
            sameWhateverTheHint(Pki.store(trusted), a.key(), app, app, ReasonCode.VERIFIED, dir);
        }

        @Test
        void aTamperedAppOrAnUntrustedSignerIsAMismatchWhateverTheHint(@TempDir Path dir) throws Exception {
            byte[] tampered = app.clone();
            tampered[5] ^= 1;
            sameWhateverTheHint(Pki.store(trusted), b.key(), app, tampered, ReasonCode.SIGNATURE_MISMATCH, dir);
            sameWhateverTheHint(Pki.store(trusted), stranger.key(), app, app, ReasonCode.SIGNATURE_MISMATCH, dir);
            sameWhateverTheHint(Pki.store(trusted), expired.key(), app, app, ReasonCode.SIGNATURE_MISMATCH, dir);
        }

        @Test
        void aRevokedKeyIsRevokedWhateverTheHintAndHintingOneDoesNotRevokeTheSigner(@TempDir Path dir) throws Exception {
            TrustStoreSnapshot bRevoked = Pki.store(trusted, Pki.deny(keyHash(b)), true);
            sameWhateverTheHint(bRevoked, b.key(), app, app, ReasonCode.REVOKED, dir);
            // Signed by A while the hint may name revoked B: still A's verified app.
            sameWhateverTheHint(bRevoked, a.key(), app, app, ReasonCode.VERIFIED, dir);
        }

        /** A file that changes between the two readings is not verified on either reading's word. */
        @Test
        void anAppThatChangesBetweenTheReadingsFailsClosed(@TempDir Path dir) throws Exception {
            TrustStoreSnapshot store = Pki.store(trusted);
            byte[] sig = sigFile(Pki.sign(b.key(), app), "\"" + keyHash(a) + "\"");
            PendingVerification pending = AppVerifier.of(store, new VerificationOptions(NOW, false)).beginRereadable(sig);
            pending.update(app, 0, app.length);
            byte[] other = app.clone();
            other[other.length - 1] ^= 1;
            Path file = dir.resolve("changed.jar");
            Files.write(file, other);
            assertThatThrownBy(() -> pending.finish(file)).isInstanceOf(IOException.class)
                    .hasMessageContaining("changed between its two readings");
        }

        @Test
        void aRereadableVerificationThatNeedsTheFileSaysSoInsteadOfGuessing() {
            byte[] sig = sigFile(Pki.sign(b.key(), app), "\"" + keyHash(a) + "\"");
            PendingVerification pending = AppVerifier.of(Pki.store(trusted), new VerificationOptions(NOW, false)).beginRereadable(sig);
            pending.update(app, 0, app.length);
            assertThatThrownBy(pending::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("finish(Path)");
        }

        /** With the right hint the second reading never happens: a file that is gone is not needed. */
        @Test
        void theRightHintDecidesOnTheFirstReading(@TempDir Path dir) throws Exception {
            byte[] sig = sigFile(Pki.sign(b.key(), app), "\"" + keyHash(b) + "\"");
            PendingVerification pending = AppVerifier.of(Pki.store(trusted), new VerificationOptions(NOW, false)).beginRereadable(sig);
            pending.update(app, 0, app.length);
            VerificationResult result = pending.finish(dir.resolve("gone.jar"));
            assertThat(result.reason()).isEqualTo(ReasonCode.VERIFIED);
            assertThat(result.signer().subject()).isEqualTo("CN=Vendor B");
        }

        /** What the first reading hashes: the hinted key alone when a file can follow, else every key. */
        @Test
        void theFirstReadingHashesTheHintedKeyAloneOnlyWhenTheAppCanBeReadAgain() {
            TrustStoreSnapshot store = Pki.store(trusted);
            byte[] signature = Pki.sign(b.key(), app);
            SignatureFile hinted = SignatureFiles.parse(sigFile(signature, "\"" + keyHash(b) + "\"")).file();
            SignatureFile unhinted = SignatureFiles.parse(sigFile(signature, null)).file();
            SignatureFile stranger = SignatureFiles.parse(sigFile(signature, "\"" + keyHash(this.stranger) + "\"")).file();
            assertThat(CustomFlow.begin(hinted, store, NOW, true).digests()).hasSize(1);
            assertThat(CustomFlow.begin(hinted, store, NOW, false).digests()).hasSize(3);
            assertThat(CustomFlow.begin(unhinted, store, NOW, true).digests()).hasSize(3);
            assertThat(CustomFlow.begin(stranger, store, NOW, true).digests()).hasSize(3);
        }

        /** Many candidates hashed across lanes in one reading, the signer last: the same answer. */
        @Test
        void manyCandidatesInOneReadingAcrossTheCores(@TempDir Path dir) throws Exception {
            List<X509Certificate> many = new java.util.ArrayList<>();
            Pki.Issued last = null;
            for (int i = 0; i < 12; i++) {
                last = pki.selfSigned(Pki.Spec.leaf("CN=Vendor " + i));
                many.add(last.certificate());
            }
            byte[] big = new byte[3 * 1024 * 1024 + 5];
            new java.util.SplittableRandom(3).nextBytes(big);
            sameWhateverTheHint(Pki.store(many), last.key(), big, big, ReasonCode.VERIFIED, dir);
            assertThat(verify(Pki.store(many), big, sigFile(Pki.sign(last.key(), big), null)).signer().subject())
                    .isEqualTo("CN=Vendor 11");
        }
    }
}
