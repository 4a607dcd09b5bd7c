'use strict';
/**
 * The IAM condition that limits fault actions to resources carrying the target tag. Its key holds
 * the tag's name, and serverless resolves no variables in keys, so it is built here from the same
 * settings serverless.yml reads (FAULTLINE_TARGET_TAG_KEY / _VALUE, default faultline:target=true).
 */
module.exports.condition = () => {
  const key = process.env.FAULTLINE_TARGET_TAG_KEY || 'faultline:target';
  const value = process.env.FAULTLINE_TARGET_TAG_VALUE || 'true';
  return { StringEquals: { [`aws:ResourceTag/${key}`]: value } };
};

/** For calls that create a resource (FIS StartExperiment): the tag it must be created with. */
module.exports.requestCondition = () => {
  const key = process.env.FAULTLINE_TARGET_TAG_KEY || 'faultline:target';
  const value = process.env.FAULTLINE_TARGET_TAG_VALUE || 'true';
  return { StringEquals: { [`aws:RequestTag/${key}`]: value } };
};
