package io.appsigning.maven;

import io.appsigning.truststore.Identity;
import io.appsigning.truststore.LoadProblem;
import io.appsigning.truststore.internal.TrustStoreLoader;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.verifier.internal.AppVerifier;
import io.appsigning.verifier.VerificationOptions;
import io.appsigning.verifier.VerificationResult;
import java.io.File;
import java.io.IOException;
import java.time.Clock;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Verifies the project's app (and an attached {@code .obr}) against its {@code APP.sig} and a trust
 * store folder, exactly as the product decides, and fails the build with the reason code when it
 * does not verify. For CI: proves that what is about to be deployed installs where that trust store
 * is used. The folder's safety is not judged here (the build's user is not the product's).
 */
@Mojo(name = "verify", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class VerifyMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /** The trust store folder: the certificates (PEM or DER) a product trusts. */
    @Parameter(property = "appsign.trustStore", required = true)
    private File trustStore;

    /** An optional deny list (one SHA-256 a line). */
    @Parameter(property = "appsign.denyList")
    private File denyList;

    @Parameter(property = "appsign.skip", defaultValue = "false")
    private boolean skip;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("appsign: verification skipped (appsign.skip)");
            return;
        }
        if (!trustStore.isDirectory()) {
            throw new MojoExecutionException("appsign: the trust store " + trustStore + " is not a folder");
        }
        if (denyList != null && !denyList.isFile()) {
            throw new MojoExecutionException("appsign: the deny list " + denyList + ": file not found");
        }
        Clock clock = Clock.systemUTC();
        TrustStoreSnapshot snapshot = TrustStoreLoader.load(trustStore.toPath(), denyList == null ? null : denyList.toPath(),
                Identity.current(), clock);
        for (LoadProblem problem : snapshot.problems()) {
            getLog().warn("appsign: " + problem.message());
        }
        AppVerifier verifier = AppVerifier.of(snapshot, new VerificationOptions(clock.instant(), true));
        for (Artifact app : AppArtifacts.of(project)) {
            File signatureFile = AppArtifacts.signatureFileOf(app);
            VerificationResult result;
            try {
                result = verifier.verify(app.getFile().toPath(), signatureFile.toPath());
            } catch (IOException e) {
                throw new MojoExecutionException("appsign: cannot read " + app.getFile() + ": " + e.getMessage());
            }
            if (!result.verified()) {
                throw new MojoFailureException("appsign: " + AppArtifacts.describe(app) + " does not verify against "
                        + trustStore + ": " + result.reason() + ": " + result.message());
            }
            getLog().info("appsign: " + AppArtifacts.describe(app) + " VERIFIED (" + result.flow() + ", signer "
                    + result.signer().subject() + ", SHA-256 " + result.signer().sha256() + ")");
        }
    }
}
