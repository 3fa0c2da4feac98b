import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanGrantLine } from './read-grants.js';

describe('SHOW GRANTS lines as the observation keeps them', () => {
  it('password hashes and authentication clauses are cut off; the grant itself is kept', () => {
    assert.equal(cleanGrantLine("GRANT PROCESS ON *.* TO `fencelow`@`%` IDENTIFIED BY PASSWORD '*F3A2A51A9B0F2BE2468926B4132313728C250DBF'"), 'GRANT PROCESS ON *.* TO `fencelow`@`%`');
    assert.equal(cleanGrantLine("GRANT USAGE ON *.* TO `w`@`%` IDENTIFIED VIA ed25519 USING 'abc' REQUIRE SSL"), 'GRANT USAGE ON *.* TO `w`@`%`');
    assert.equal(cleanGrantLine('GRANT SELECT ON `mysql`.`wsrep_cluster_members` TO `fencelow`@`%`'), 'GRANT SELECT ON `mysql`.`wsrep_cluster_members` TO `fencelow`@`%`');
  });
});
