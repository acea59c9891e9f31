import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, IsNull, Not } from 'typeorm';
import { UserEntity } from '../entities';

/** The users as the user and signature services read them (they write inside their transactions, with the access record). */
@Injectable()
export class UserRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get users() {
    return this.dataSource.getRepository(UserEntity);
  }

  all(): Promise<UserEntity[]> {
    return this.users.find({ order: { createdAt: 'ASC' } });
  }

  byId(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  byTokenHash(tokenHash: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ tokenHash });
  }

  byCalendarTokenHash(calendarTokenHash: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ calendarTokenHash });
  }

  /** Users whose token never expires and is not revoked, but `tokenHash` (an earlier ADMIN_TOKEN's admin). */
  nonExpiringOtherThan(tokenHash: string): Promise<UserEntity[]> {
    return this.users.findBy({ tokenExpiresAt: IsNull(), revokedAt: IsNull(), tokenHash: Not(tokenHash) });
  }

  count(): Promise<number> {
    return this.users.count();
  }
}
