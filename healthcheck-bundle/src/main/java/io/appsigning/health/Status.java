package io.appsigning.health;

/** Check outcome, ordered from best to worst. */
public enum Status {
    OK,
    WARN,
    CRITICAL;

    public Status worse(Status other) {
        return other.compareTo(this) > 0 ? other : this;
    }
}
