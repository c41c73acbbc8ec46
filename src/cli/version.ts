declare const __PACHSVC_VERSION__: string | undefined;

/** Set by the bundler from package.json; `dev` when running from source. */
export const VERSION: string = typeof __PACHSVC_VERSION__ === 'string' ? __PACHSVC_VERSION__ : 'dev';
