export { createRemoteWriter, type RemoteWriter, type WriteResult } from './sender';
export { loadRemoteWriteConfig, remoteWriteDefaults, type RemoteWriteConfig, type RemoteWriteAuth } from './config';
