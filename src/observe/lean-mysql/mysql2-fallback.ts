// mysql2 itself, loaded only when the lean client (./connection.ts) hands a connection over to it.
import mysql from 'mysql2';

export default mysql;
