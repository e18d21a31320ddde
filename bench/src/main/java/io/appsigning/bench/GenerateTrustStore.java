package io.appsigning.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Writes a trust store folder of N self-signed certificates, one PEM file each, half Ed25519 and
 * half ECDSA P-256 (a mix of vendors' keys and CAs): the input of bench/truststore-load.sh.
 * {@code java -cp bench/target/benchmarks.jar io.appsigning.bench.GenerateTrustStore DIR N}
 */
public final class GenerateTrustStore {

    private GenerateTrustStore() {}

    public static void main(String[] args) throws Exception {
        Path folder = Files.createDirectories(Path.of(args[0]));
        int count = Integer.parseInt(args[1]);
        KeyPairGenerator ed25519 = KeyPairGenerator.getInstance("Ed25519");
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        Base64.Encoder pem = Base64.getMimeEncoder(64, new byte[] {'\n'});
        for (int i = 0; i < count; i++) {
            KeyPair keys = (i % 2 == 0 ? ed25519 : ec).generateKeyPair();
            byte[] der = Certificates.selfSigned("CN=Vendor " + i + ", O=Bench", keys).getEncoded();
            String text = "-----BEGIN CERTIFICATE-----\n" + pem.encodeToString(der) + "\n-----END CERTIFICATE-----\n";
            Files.writeString(folder.resolve(String.format("cert-%05d.crt", i)), text, StandardCharsets.US_ASCII);
        }
    }
}
