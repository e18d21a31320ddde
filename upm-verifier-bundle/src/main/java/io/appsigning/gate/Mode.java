package io.appsigning.gate;

/** How strictly the gate acts on a verification result. */
public enum Mode {
    /** No check. */
    OFF,
    /** Check, report and record, install anyway. */
    WARN,
    /** Install only what verifies. */
    ENFORCE
}
