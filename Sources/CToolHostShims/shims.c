/* Header-only target: see include/CToolHostShims.h. */
