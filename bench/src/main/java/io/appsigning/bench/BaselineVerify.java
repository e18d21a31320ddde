package io.appsigning.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The peers bench/run.sh times against our CLI, as a user of each library would write them:
 * {@code java -cp benchmarks.jar io.appsigning.bench.BaselineVerify bc|jdk APP PUBLIC_KEY.pem SIG.bin}.
 * Both read the app into memory, as their APIs require.
 */
public final class BaselineVerify {

    private BaselineVerify() {}

    public static void main(String[] args) throws Exception {
        byte[] app = Files.readAllBytes(Path.of(args[1]));
        String pem = Files.readString(Path.of(args[2])).replaceAll("-----[A-Z ]+-----|\\s", "");
        byte[] spki = Base64.getDecoder().decode(pem);
        byte[] signature = Files.readAllBytes(Path.of(args[3]));
        boolean ok;
        if (args[0].equals("bc")) {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, new Ed25519PublicKeyParameters(spki, spki.length - 32));
            verifier.update(app, 0, app.length);
            ok = verifier.verifySignature(signature);
        } else {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
            verifier.update(app);
            ok = verifier.verify(signature);
        }
        System.out.println(ok ? "verified" : "REJECTED");
        System.exit(ok ? 0 : 1);
    }
}
