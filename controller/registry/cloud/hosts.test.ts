import { describe, expect, it } from 'vitest';
import { cloudTarget } from './hosts.js';

describe('cloudTarget', () => {
  it.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'aws', 'eu-west-1'],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', 'aws', 'us-gov-west-1'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'aws', 'cn-north-1'],
    ['123456789012.dkr-ecr.ap-south-1.on.aws', 'aws', 'ap-south-1'],
    ['public.ecr.aws', 'aws', 'us-east-1'],
    ['europe-west1-docker.pkg.dev', 'gcp', undefined],
    ['gcr.io', 'gcp', undefined],
    ['eu.gcr.io', 'gcp', undefined],
    ['acme.azurecr.io', 'azure', undefined],
    ['acme.azurecr.cn', 'azure', undefined],
    ['acme.azurecr.us', 'azure', undefined],
  ])('auto: %s is %s', (host, provider, region) => {
    const target = cloudTarget(host);
    expect(target?.provider).toBe(provider);
    if (target?.provider === 'aws') expect(target.region).toBe(region);
  });

  it.each([
    'ghcr.io',
    'registry-1.docker.io',
    '12345.dkr.ecr.eu-west-1.amazonaws.com', // not a 12-digit account
    'evil.amazonaws.com',
    'gcr.io.evil.example',
    'azurecr.io',
    '127.0.0.1:5000',
  ])('auto: %s belongs to no cloud', (host) => {
    expect(cloudTarget(host)).toBeUndefined();
  });

  it('none never uses a cloud identity, even on a cloud host', () => {
    expect(cloudTarget('123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'none')).toBeUndefined();
  });

  it('a forced cloud applies to any host: the SDK region for AWS, the public scope for Azure', () => {
    expect(cloudTarget('ecr-cache.internal:5000', 'aws')).toEqual({
      provider: 'aws',
      registry: 'ecr-cache.internal:5000',
      public: false,
      region: undefined,
    });
    expect(cloudTarget('registry.example', 'gcp')).toEqual({ provider: 'gcp', registry: 'registry.example' });
    expect(cloudTarget('127.0.0.1:5000', 'azure')).toEqual({
      provider: 'azure',
      registry: '127.0.0.1:5000',
      scope: 'https://management.azure.com/.default',
    });
    expect(cloudTarget('acme.azurecr.cn', 'azure')).toMatchObject({
      scope: 'https://management.chinacloudapi.cn/.default',
    });
  });
});
