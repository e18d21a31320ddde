package io.appsigning.maven;

import io.appsigning.cli.AppSigner;
import io.appsigning.cli.UsageException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.project.MavenProjectHelper;

/**
 * Signs the project's app (its main artifact, and an attached {@code .obr} if the build makes one)
 * with an Ed25519 key and writes {@code APP.sig} beside it, attached to the build (type
 * {@code jar.sig}, {@code obr.sig}, same classifier), so that {@code install} and {@code deploy}
 * carry it. The app is read as a stream: any size signs in bounded memory.
 */
@Mojo(name = "sign", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class SignMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Component
    private MavenProjectHelper projectHelper;

    /** The Ed25519 private key, PKCS#8 PEM (from {@code appsign keygen} or {@code openssl genpkey -algorithm ed25519}). */
    @Parameter(property = "appsign.keyFile")
    private File keyFile;

    /**
     * The name of an environment variable that holds the key's PKCS#8 PEM text (for CI secrets);
     * used when {@code keyFile} is not set.
     */
    @Parameter(property = "appsign.keyEnv")
    private String keyEnv;

    /** The key's leaf certificate, for the marketplace form (the signature file then carries it). */
    @Parameter(property = "appsign.certificate")
    private File certificate;

    @Parameter(property = "appsign.skip", defaultValue = "false")
    private boolean skip;

    @Override
    public void execute() throws MojoExecutionException {
        if (skip) {
            getLog().info("appsign: signing skipped (appsign.skip)");
            return;
        }
        AppSigner signer = signer();
        for (Artifact app : AppArtifacts.of(project)) {
            File signatureFile = AppArtifacts.signatureFileOf(app);
            AppSigner.Signed signed;
            try {
                signed = signer.sign(app.getFile().toPath(), signatureFile.toPath(), null);
            } catch (UsageException | IOException e) {
                throw new MojoExecutionException("appsign: cannot sign " + AppArtifacts.describe(app) + ": " + e.getMessage());
            }
            projectHelper.attachArtifact(project, app.getType() + ".sig", app.getClassifier(), signatureFile);
            getLog().info("appsign: signed " + AppArtifacts.describe(app) + " -> " + signatureFile.getName()
                    + (certificate != null ? " (marketplace form, " + signer.certificate().getSubjectX500Principal().getName() + ")" : "")
                    + ", key SHA-256 " + signed.keySha256());
        }
    }

    private AppSigner signer() throws MojoExecutionException {
        byte[] key;
        String keyName;
        if (keyFile != null && keyEnv != null) {
            throw new MojoExecutionException("appsign: set keyFile or keyEnv, not both");
        }
        try {
            if (keyFile != null) {
                keyName = "the key file " + keyFile;
                if (!keyFile.isFile()) {
                    throw new MojoExecutionException("appsign: " + keyName + ": file not found");
                }
                key = Files.readAllBytes(keyFile.toPath());
            } else if (keyEnv != null) {
                keyName = "the environment variable " + keyEnv;
                String text = System.getenv(keyEnv);
                if (text == null || text.isBlank()) {
                    throw new MojoExecutionException("appsign: " + keyName + " is not set or empty; it must hold the"
                            + " signing key's PKCS#8 PEM text");
                }
                key = text.getBytes(StandardCharsets.US_ASCII);
            } else {
                throw new MojoExecutionException("appsign: no signing key: set keyFile (a PKCS#8 PEM file) or keyEnv"
                        + " (an environment variable holding the PEM text)");
            }
            X509Certificate leaf = certificate == null ? null : AppSigner.readCertificate(certificate.toPath());
            return AppSigner.of(keyName, key, leaf);
        } catch (UsageException e) {
            throw new MojoExecutionException("appsign: " + e.getMessage());
        } catch (IOException e) {
            throw new MojoExecutionException("appsign: cannot read the key: " + e.getMessage());
        }
    }
}
