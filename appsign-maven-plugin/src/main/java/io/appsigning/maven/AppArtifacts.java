package io.appsigning.maven;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.project.MavenProject;

/** The apps a build makes: its main artifact, and any attached OBR. Signature files are not apps. */
final class AppArtifacts {

    private AppArtifacts() {}

    static List<Artifact> of(MavenProject project) throws MojoExecutionException {
        List<Artifact> apps = new ArrayList<>();
        Artifact main = project.getArtifact();
        if (main.getFile() == null || !main.getFile().isFile()) {
            throw new MojoExecutionException("The project " + project.getId() + " has no main artifact file to sign or verify"
                    + " (packaging " + project.getPackaging() + "). Run the goal in or after the package phase of a project"
                    + " that builds a jar or a bundle.");
        }
        apps.add(main);
        for (Artifact attached : project.getAttachedArtifacts()) {
            if (isObr(attached)) {
                apps.add(attached);
            }
        }
        return apps;
    }

    static boolean isObr(Artifact artifact) {
        File file = artifact.getFile();
        return "obr".equals(artifact.getType())
                || (file != null && file.getName().toLowerCase(Locale.ROOT).endsWith(".obr"));
    }

    /** {@code APP.sig} beside the app. */
    static File signatureFileOf(Artifact artifact) {
        return new File(artifact.getFile().getPath() + ".sig");
    }

    static String describe(Artifact artifact) {
        return artifact.getFile().getName();
    }
}
