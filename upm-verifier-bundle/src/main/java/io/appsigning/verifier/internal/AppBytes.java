package io.appsigning.verifier.internal;

import java.io.IOException;
import java.io.InputStream;

/** Where an app's bytes, already streamed once, can be read again from the start. */
@FunctionalInterface
interface AppBytes {

    InputStream open() throws IOException;
}
