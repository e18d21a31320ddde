def log = new File(basedir, 'build.log').text
assert new File(basedir, 'target/hello-unverified-1.0.0.jar.sig').isFile() : 'sign ran before verify'
assert log.contains('appsign: hello-unverified-1.0.0.jar does not verify against')
assert log.contains('SIGNATURE_MISMATCH')
// The build stopped at verify: nothing was installed.
assert !new File(localRepositoryPath, 'com/acme/it/hello-unverified/1.0.0/hello-unverified-1.0.0.jar').exists()
return true
