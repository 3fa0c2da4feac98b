// mysql2 itself, loaded only when the lean client (./connection.ts) hands a connection over to it (in the scheduler
// bundle, from its second file, scheduler-extra.cjs: scripts/bundle-scheduler.mjs).
import mysql from 'mysql2';

export default mysql;
