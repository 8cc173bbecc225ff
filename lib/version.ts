/** Kept equal to package.json's version (a test checks it); used in User-Agent headers. */
export const VERSION = '0.1.0';
export const USER_AGENT = `lakepulse/${VERSION}`;
