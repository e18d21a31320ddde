package io.appsigning.gate;

/** Where an app came from, which selects the per-origin mode. */
public enum Origin {
    /** Uploaded by an administrator: private builds and custom apps. */
    UPLOAD,
    /** Delivered from the marketplace. */
    MARKETPLACE
}
